package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Exp;

/**
 * {@link Exp#exp} lane-wise, bit for bit: the same FMA steps, and 2^n applied as two exact power-of-two factors
 * (n split in halves) so the product rounds once, as a scalef does. {@code lanewise(EXP)} would not do: its
 * JIT-compiled and interpreted forms round differently, and a last-bit difference can flip a later F16 or
 * quantization rounding.
 */
final class VectorMath {
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(Exp.ROUNDER);

    private VectorMath() {
    }

    static FloatVector exp(FloatVector x) {
        FloatVector z = x.fma(Exp.LOG2E, Exp.ROUNDER);
        FloatVector n = z.sub(Exp.ROUNDER);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(FloatVector.broadcast(x.species(), Exp.LN2_LO), minusN.fma(
                FloatVector.broadcast(x.species(), Exp.LN2_HI), x));
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(Exp.C5, Exp.C4).fma(u, b.fma(Exp.C3, Exp.C2)).fma(u, b.fma(Exp.C1, 1f));

        // n sits in the low mantissa bits of z (valid while |n| < 2^22; beyond 192 the blend below decides).
        IntVector ni = z.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector p1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector p2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = j.mul(p1).mul(p2);
        VectorMask<Float> beyond = n.abs().compare(VectorOperators.GT, Exp.LIMIT);
        if (beyond.anyTrue()) {
            FloatVector alt = FloatVector.zero(x.species())
                    .blend(Float.POSITIVE_INFINITY, n.compare(VectorOperators.GT, 0f));
            result = result.blend(alt, beyond);
        }
        return result;
    }
}
