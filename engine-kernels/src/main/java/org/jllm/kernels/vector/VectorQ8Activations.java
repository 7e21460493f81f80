package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.quant.Q8BlockKernel;
import org.jllm.kernels.quant.Q8KBlockKernel;
import jdk.incubator.vector.VectorMask;

/**
 * Activations quantized for the 32-row kernels, with the scalar kernels' bits and only what those kernels read (not
 * the int8 copies and regrouped lanes of the stored layouts' kernels): per block of 32 as
 * {@link Q8BlockKernel#prepareInput} for the 32-value types, per super-block of 256 as
 * {@link Q8KBlockKernel#prepareInput} for the K-quants and IQ4_XS. Decoding quantizes each matrix product's input on
 * one thread while the others wait: vectors instead of the scalar loops take a 2048-value input from ~4 to ~1 µs.
 */
final class VectorQ8Activations {
    private static final int BLOCK = Q8BlockKernel.BLOCK;
    /** 1.5 x 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    private static final float ROUND = 0x1.8p23f;

    private VectorQ8Activations() {
    }

    /**
     * {@code x[0..n)} in blocks of 32: the values as int16 ({@link Activations#shorts}), each block's F16 scale
     * ({@link Activations#scales}), the F16 of scale x sum of values ({@link Activations#sums}) and, for the layouts
     * that centre their weights, factor x sum of values ({@link Activations#groupSums}; factor 0 leaves them alone).
     */
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
            // The scalar sum adds the values as bytes: the same unless x * id overflowed (amax subnormal).
            int sum = asByte(qlo).add(asByte(qhi)).reduceLanes(VectorOperators.ADD);
            float scale = amax / 127f;
            d[b] = Numbers.roundToF16(scale);
            s[b] = Numbers.roundToF16(scale * sum);
            if (groupSums != null) {
                groupSums[b] = factor * sum;
            }
        }
    }

    /**
     * {@code x[0..n)} in super-blocks of 256 as Q8_K: the values as int16, each super-block's scale d, and each 16
     * values' sum as a float ({@link Activations#sums}) and an int ({@link Activations#groupSums}). The scale comes
     * from the first value of largest magnitude, as {@link org.jllm.kernels.Numbers#largestMagnitude} finds it; a
     * super-block with a NaN takes {@code scalar}'s path (the stored type's kernel) for its bits.
     */
    static void prepareK(WeightKernel scalar, float[] x, int n, Activations out) {
        int superBlock = Q8KBlockKernel.BLOCK;
        int blocks = n / superBlock;
        short[] q = out.shorts(n);
        float[] d = out.scales(blocks);
        float[] sums = out.sums(n / 16);
        int[] groupSums = out.groupSums(n / 16);
        for (int b = 0; b < blocks; b++) {
            int base = b * superBlock;
            FloatVector amaxes = FloatVector.zero(Wide.F);
            for (int i = 0; i < superBlock; i += 16) {
                amaxes = FloatVector.fromArray(Wide.F, x, base + i).abs().max(amaxes);
            }
            float amax = amaxes.reduceLanes(VectorOperators.MAX);
            if (Float.isNaN(amax)) {
                quantizeKScalar(scalar, x, base, out, b);
                continue;
            }
            if (amax == 0f) {
                d[b] = 0f;
                java.util.Arrays.fill(q, base, base + superBlock, (short) 0);
                java.util.Arrays.fill(sums, base / 16, base / 16 + 16, 0f);
                java.util.Arrays.fill(groupSums, base / 16, base / 16 + 16, 0);
                continue;
            }
            float max = 0f;
            for (int i = 0; i < superBlock; i += 16) {
                VectorMask<Float> at = FloatVector.fromArray(Wide.F, x, base + i).abs()
                        .compare(VectorOperators.EQ, amax);
                if (at.anyTrue()) {
                    max = x[base + i + at.firstTrue()];
                    break;
                }
            }
            float iscale = -127f / max;
            for (int i = 0; i < superBlock; i += 16) {
                // (byte) min(127, rint(iscale * x)), as the scalar kernel stores it (a byte cast matters only when
                // the product overflowed: a super-block of subnormals).
                IntVector v = asByte(((IntVector) FloatVector.fromArray(Wide.F, x, base + i).mul(iscale).add(ROUND)
                        .sub(ROUND).convert(VectorOperators.F2I, 0)).min(127));
                ((ShortVector) v.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0))
                        .intoArray(q, base + i);
                int sum = v.reduceLanes(VectorOperators.ADD);
                sums[(base + i) / 16] = sum;
                groupSums[(base + i) / 16] = sum;
            }
            d[b] = 1 / iscale;
        }
    }

    /** Each lane's low 8 bits, sign-extended: Java's int-to-byte cast. */
    private static IntVector asByte(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
    }

    /** Super-block b by the scalar kernel, its fields copied into {@code out}. */
    private static void quantizeKScalar(WeightKernel scalar, float[] x, int base, Activations out, int b) {
        int superBlock = Q8KBlockKernel.BLOCK;
        Activations one = new Activations();
        scalar.prepareInput(java.util.Arrays.copyOfRange(x, base, base + superBlock), superBlock, one);
        System.arraycopy(one.shorts(), 0, out.shorts(), base, superBlock);
        out.scales()[b] = one.scales()[0];
        System.arraycopy(one.sums(), 0, out.sums(), base / 16, 16);
        System.arraycopy(one.groupSums(), 0, out.groupSums(), base / 16, 16);
    }
}
