package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums in a fixed order. {@code reduceLanes(ADD)} leaves the order to the implementation, and the JIT and
 * the interpreter do differ; a last-bit difference then flips later F16 or quantization roundings, so results would
 * depend on warm-up. A butterfly of lane-wise adds (lane i plus lane i^step, step = L/2 .. 1) is the same everywhere.
 */
final class Reductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] BUTTERFLY = new VectorShuffle[Integer.numberOfTrailingZeros(S.length())];

    static {
        for (int k = 0, step = S.length() / 2; step >= 1; k++, step /= 2) {
            int s = step;
            BUTTERFLY[k] = VectorShuffle.fromOp(S, i -> i ^ s);
        }
    }

    private Reductions() {
    }

    static float sum(FloatVector v) {
        for (VectorShuffle<Float> shuffle : BUTTERFLY) {
            v = v.add(v.rearrange(shuffle));
        }
        return v.lane(0);
    }
}
