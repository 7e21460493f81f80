package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Exp;

/**
 * {@link Exp#exp} lane-wise, bit for bit: the same FMA steps, and 2^n applied as two exact power-of-two factors
 * (n split in halves) so the product rounds once, as a scalef does. {@code lanewise(EXP)} would not do: its
 * JIT-compiled and interpreted forms round differently, and a last-bit difference can flip a later F16 or
 * quantization rounding.
 */
final class VectorMath {
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(Exp.ROUNDER);
    /** The species of {@link VectorFloatOps}: a constant, so every vector below is built in registers. */
    private static final VectorSpecies<Float> S = VectorFloatOps.S;
    /** 134 / ln 2 rounds to n = 193. */
    private static final float CLAMP = 134f;
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, Exp.LN2_LO);
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, Exp.LN2_HI);

    private VectorMath() {
    }

    static FloatVector exp(FloatVector x) {
        // Clamped so that |n| stays at most 193, where j * 2^n over- or underflows to exactly the infinity or zero
        // that the scalar form returns beyond |n| = 192: the same bits with no branch or blend (a blend here was
        // left to the interpreter's slow path when its mask was rarely true).
        x = x.max(-CLAMP).min(CLAMP);
        FloatVector z = x.fma(Exp.LOG2E, Exp.ROUNDER);
        FloatVector n = z.sub(Exp.ROUNDER);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(LN2_LO, minusN.fma(LN2_HI, x));
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(Exp.C5, Exp.C4).fma(u, b.fma(Exp.C3, Exp.C2)).fma(u, b.fma(Exp.C1, 1f));

        // n sits in the low mantissa bits of z; 2^n as two exact factors, so the product rounds once.
        IntVector ni = z.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector p1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector p2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return j.mul(p1).mul(p2);
    }
}
