package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} leaves the order to the implementation, and the JIT and
 * the interpreter do differ; a last-bit difference then flips later F16 or quantization roundings, so results would
 * depend on warm-up. A butterfly of lane-wise adds (lane i plus lane i^step, step = L/2 .. 1) is the same everywhere.
 * Each step's shuffle is its own static final field: the JIT only treats such fields as constants (shuffles read
 * from an array would not be, and every vector would be boxed).
 */
final class Reductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorShuffle<Float> XOR_8 = S.length() > 8 ? xor(S, 8) : null;
    static final VectorShuffle<Float> XOR_4 = S.length() > 4 ? xor(S, 4) : null;
    static final VectorShuffle<Float> XOR_2 = S.length() > 2 ? xor(S, 2) : null;
    static final VectorShuffle<Float> XOR_1 = xor(S, 1);
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    static final VectorShuffle<Float> XOR256_4 = xor(S256, 4);
    static final VectorShuffle<Float> XOR256_2 = xor(S256, 2);
    static final VectorShuffle<Float> XOR256_1 = xor(S256, 1);

    private Reductions() {
    }

    private static VectorShuffle<Float> xor(VectorSpecies<Float> species, int step) {
        return VectorShuffle.fromOp(species, i -> i ^ step);
    }

    /** The sum of a preferred-size vector's lanes (up to 16), butterfly order. */
    static float sum(FloatVector v) {
        if (S.length() > 16) {
            throw new IllegalStateException("vectors of more than 16 floats are not supported");
        }
        if (S.length() > 8) {
            v = v.add(v.rearrange(XOR_8));
        }
        if (S.length() > 4) {
            v = v.add(v.rearrange(XOR_4));
        }
        if (S.length() > 2) {
            v = v.add(v.rearrange(XOR_2));
        }
        v = v.add(v.rearrange(XOR_1));
        return v.lane(0);
    }

    /**
     * The sum of {@code lanes[0..L)} (L the preferred float lanes) in {@link #sum(FloatVector)}'s order: lane 0 of the
     * butterfly is lane i plus lane i + L/2, then + L/4, ... Kernels store their accumulator and call this rather
     * than pass the vector: a vector argument of a call the JIT leaves out of line is boxed, an array never is.
     * Destroys the lanes.
     */
    static float sum(float[] lanes) {
        for (int h = S.length() / 2; h >= 1; h /= 2) {
            for (int j = 0; j < h; j++) {
                lanes[j] += lanes[j + h];
            }
        }
        return lanes[0];
    }
}
