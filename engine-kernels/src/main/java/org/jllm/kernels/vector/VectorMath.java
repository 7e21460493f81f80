package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x on float lanes from additions and multiplications only (range reduction by ln 2, a degree-6 polynomial, and
 * the exponent set through the bits), within 3 ulp of {@link Math#exp} (results below the smallest normal float are flushed to 0). {@code lanewise(EXP)} would do, but its
 * JIT-compiled and interpreted forms round differently, and a last-bit difference can flip a later F16 or
 * quantization rounding; these plain IEEE operations give the same bits everywhere.
 */
final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float in (-2^22, 2^22) to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final float MAX_ARG = 88.3762626647949f;
    private static final float MIN_ARG = -87.3365447504f;

    private VectorMath() {
    }

    private static FloatVector c(float v, FloatVector like) {
        return FloatVector.broadcast(like.species(), v);
    }

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.lt(MIN_ARG);
        x = x.min(MAX_ARG).max(MIN_ARG);
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(c(-LN2_HI, x), x);
        r = n.fma(c(-LN2_LO, x), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, c(8.3334519073e-3f, x));
        p = p.fma(r, c(4.1665795894e-2f, x));
        p = p.fma(r, c(1.6666665459e-1f, x));
        p = p.fma(r, c(5.0000001201e-1f, x));
        FloatVector y = p.mul(r).fma(r, r).add(1f);
        // 2^n: n sits in the low bits of t; move it into the exponent field.
        IntVector bits = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER)).add(127)
                .lanewise(VectorOperators.LSHL, 23);
        FloatVector scaled = y.mul(bits.reinterpretAsFloats());
        return scaled.blend(0f, underflow);
    }
}
