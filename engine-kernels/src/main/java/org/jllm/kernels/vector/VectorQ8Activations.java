package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.quant.Q8BlockKernel;

/**
 * Activations quantized per block of 32 for the 32-row kernels of the 32-value types, with the bits of
 * {@link Q8BlockKernel#prepareInput} and only what those kernels read: the values as int16 ({@link Activations#shorts}),
 * each block's F16 scale ({@link Activations#scales}), the F16 of scale x sum of values ({@link Activations#sums}),
 * and, for the layouts that centre their weights, factor x sum of values ({@link Activations#groupSums}). Decoding
 * quantizes each matrix product's input on one thread while the others wait: two vectors a block instead of the
 * scalar loops take a 2048-value input from ~4 to ~1 µs.
 */
final class VectorQ8Activations {
    private static final int BLOCK = Q8BlockKernel.BLOCK;
    /** 1.5 x 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    private static final float ROUND = 0x1.8p23f;

    private VectorQ8Activations() {
    }

    /** {@code x[0..n)} quantized as above; {@code factor} 0 leaves the group sums alone. */
    static void prepare(float[] x, int n, Activations out, int factor) {
        int blocks = n / BLOCK;
        short[] q = out.shorts(n);
        float[] d = out.scales(blocks);
        float[] s = out.sums(blocks);
        int[] groupSums = factor != 0 ? out.groupSums(blocks) : null;
        for (int b = 0; b < blocks; b++) {
            int base = b * BLOCK;
            FloatVector lo = FloatVector.fromArray(Wide.F, x, base);
            FloatVector hi = FloatVector.fromArray(Wide.F, x, base + 16);
            float amax = lo.abs().max(hi.abs()).reduceLanes(VectorOperators.MAX);
            float id = amax != 0f ? 127f / amax : 0f;
            // As Math.rint(x * id): the products are the scalar ones, rounded to the nearest integer, ties to even.
            IntVector qlo = (IntVector) lo.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
            IntVector qhi = (IntVector) hi.mul(id).add(ROUND).sub(ROUND).convert(VectorOperators.F2I, 0);
            ((ShortVector) qlo.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoArray(q, base);
            ((ShortVector) qhi.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoArray(q, base + 16);
            int sum = qlo.add(qhi).reduceLanes(VectorOperators.ADD);
            float scale = amax / 127f;
            d[b] = Numbers.roundToF16(scale);
            s[b] = Numbers.roundToF16(scale * sum);
            if (groupSums != null) {
                groupSums[b] = factor * sum;
            }
        }
    }
}
