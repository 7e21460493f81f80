package org.jllm.kernels.quant;

/**
 * Small per-thread work arrays of the block kernels, so a matrix product allocates nothing (kernels are shared by
 * every thread that computes). Each array has one user at a time: a kernel method does not call another that
 * uses the same field.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    /** 8 float lanes of a row's accumulator. */
    final float[] acc = new float[8];
    /** 4 float lanes of K-quant minimum terms. */
    final float[] minLanes = new float[4];
    /** 8 int lanes of a block's partial sums. */
    final int[] lanes = new int[8];
    /** One 32-value block's integer values. */
    final int[] block = new int[32];
    /** One 256-value super-block's integer values, and its 16 sub-block scales. */
    final int[] values = new int[256];
    final int[] scales = new int[16];

    static Scratch get() {
        return CURRENT.get();
    }
}
