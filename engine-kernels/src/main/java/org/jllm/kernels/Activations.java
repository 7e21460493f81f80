package org.jllm.kernels;

/**
 * One activation vector in the form a weight type's dot product reads (llama.cpp's "vec_dot type"): floats, rounded
 * or not, for float weights; int8 blocks with their scales for quantized weights. Made once per session and reused:
 * the buffers grow to the largest vector seen and are never shrunk, so steady-state decoding allocates nothing.
 * Not thread-safe; matVec calls on several threads may read one instance at the same time.
 */
public final class Activations {
    private float[] floats = new float[0];
    private float[] scaledFloats = new float[0];
    private byte[] quants = new byte[0];
    private float[] scales = new float[0];
    private float[] sums = new float[0];
    private int[] ints = new int[0];
    private int[] groupSums = new int[0];
    private short[] shorts = new short[0];

    /** Float values, at least {@code n} long. */
    public float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }

    /** The float values written last. */
    public float[] floats() {
        return floats;
    }

    /**
     * The float values times a power of two a kernel folds into them, at least {@code n} long (F16 weights are read
     * as their bits, which are the values times 2^-112).
     */
    public float[] scaledFloats(int n) {
        if (scaledFloats.length < n) {
            scaledFloats = new float[n];
        }
        return scaledFloats;
    }

    public float[] scaledFloats() {
        return scaledFloats;
    }

    /** Quantized int8 values, at least {@code n} long. */
    public byte[] quants(int n) {
        if (quants.length < n) {
            quants = new byte[n];
        }
        return quants;
    }

    public byte[] quants() {
        return quants;
    }

    /** One scale per block, at least {@code blocks} long. */
    public float[] scales(int blocks) {
        if (scales.length < blocks) {
            scales = new float[blocks];
        }
        return scales;
    }

    public float[] scales() {
        return scales;
    }

    /** One extra float per block (Q8_1's scaled block sum), at least {@code blocks} long. */
    public float[] sums(int blocks) {
        if (sums.length < blocks) {
            sums = new float[blocks];
        }
        return sums;
    }

    public float[] sums() {
        return sums;
    }

    /** Integers in a kernel-specific layout (e.g. int8 values regrouped for vector lanes), at least {@code n}. */
    public int[] ints(int n) {
        if (ints.length < n) {
            ints = new int[n];
        }
        return ints;
    }

    public int[] ints() {
        return ints;
    }

    /** The quantized values widened to int16 (the 512-bit kernels' operand), at least {@code n} long. */
    public short[] shorts(int n) {
        if (shorts.length < n) {
            shorts = new short[n];
        }
        return shorts;
    }

    public short[] shorts() {
        return shorts;
    }

    /**
     * Q8_K: the quants' sums per 16 values as ints, at least {@code groups} long (the same numbers as {@link #sums},
     * which keeps them as floats for the scalar reference; kernels that add them up per row read these).
     */
    public int[] groupSums(int groups) {
        if (groupSums.length < groups) {
            groupSums = new int[groups];
        }
        return groupSums;
    }

    public int[] groupSums() {
        return groupSums;
    }
}
