package org.jllm.kernels;

/**
 * sin and cos of a float as the GNU C library's {@code sinf}/{@code cosf} compute them (the ARM optimized-routines
 * algorithm glibc uses since 2.28, in its FMA build): a reduction by pi/2 (one multiply-subtract below 120, a
 * 192-bit 4/pi table above), then degree-6 and degree-8 polynomials evaluated in double and rounded to float once.
 *
 * <p>Why not {@code (float) Math.cos(x)}: glibc's result is off by one ulp from the correctly rounded value for a
 * small share of inputs (worst case 0.56 ulp), and llama.cpp takes its RoPE angles' cos/sin from {@code cosf}/{@code
 * sinf}. A one-ulp difference in a rotation coefficient is enough to round an F16/BF16 activation the other way
 * downstream, so these functions make the rotated queries and keys equal llama.cpp's bit for bit.
 */
public final class FloatTrig {
    private static final double HPI_INV = 0x1.45F306DC9C883p+23; // 2/pi scaled by 2^24: quadrant in bits 24..31
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final double PI63 = 0x1.921FB54442D18p-62; // 2 pi * 2^-64
    // Cosine polynomial (1 + c1 x^2 + ... ; the table's second entry negates it) and sine polynomial (x + s1 x^3 ...).
    private static final double C0 = 0x1p0;
    private static final double C1 = -0x1.ffffffd0c621cp-2;
    private static final double C2 = 0x1.55553e1068f19p-5;
    private static final double C3 = -0x1.6c087e89a359dp-10;
    private static final double C4 = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    /** 4/pi, 8 new bits per entry so that any 3 consecutive words hold 96 bits starting at a byte boundary. */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
    };
    private static final int TOP_PIO4 = top12((float) 0x1.921FB54442D18p-1);
    private static final int TOP_TINY = top12(0x1p-12f);
    private static final int TOP_FAST = top12(120f);
    private static final int TOP_INF = top12(Float.POSITIVE_INFINITY);

    private FloatTrig() {
    }

    public static float sin(float y) {
        return eval(y, 0);
    }

    public static float cos(float y) {
        return eval(y, 1);
    }

    /** {@code cosine} 0: sin(y); 1: cos(y), which is the sine polynomial set one quadrant on. */
    private static float eval(float y, int cosine) {
        int top = top12(y);
        double x = y;
        if (top < TOP_PIO4) {
            if (top < TOP_TINY) {
                return cosine == 0 ? y : 1f;
            }
            return poly(x, x * x, false, cosine);
        }
        if (top >= TOP_INF) {
            return Float.NaN;
        }
        int n;
        int signQuadrant;
        if (top < TOP_FAST) {
            n = ((int) (x * HPI_INV) + 0x800000) >> 24;
            x = Math.fma(-n, HPI, x);
            signQuadrant = n;
        } else {
            // The exact 2.62 fixed-point product of the mantissa with 96 bits of 4/pi taken at its exponent.
            int bits = Float.floatToRawIntBits(y);
            int index = (bits >>> 26) & 15;
            long xi = (long) (((bits & 0xffffff) | 0x800000) << ((bits >>> 23) & 7)) & 0xffffffffL;
            long res0 = (xi * (INV_PIO4[index] & 0xffffffffL)) & 0xffffffffL;
            long res1 = xi * (INV_PIO4[index + 4] & 0xffffffffL);
            long res2 = xi * (INV_PIO4[index + 8] & 0xffffffffL);
            res0 = ((res2 >>> 32) | (res0 << 32)) + res1;
            long quadrant = (res0 + (1L << 61)) >>> 62;
            res0 -= quadrant << 62;
            x = (double) res0 * PI63;
            n = (int) quadrant;
            signQuadrant = n + (bits >>> 31);
        }
        // Sign of the sine per quadrant: +, -, -, +; quadrants 2 and 3 also negate the cosine polynomial.
        double s = ((signQuadrant & 3) == 1 || (signQuadrant & 3) == 2) ? -1.0 : 1.0;
        return poly(x * s, x * x, (signQuadrant & 2) != 0, n ^ cosine);
    }

    private static float poly(double x, double x2, boolean negateCos, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = Math.fma(x2, S3, S2);
            double x7 = x3 * x2;
            double s = Math.fma(x3, S1, x);
            return (float) Math.fma(x7, s1, s);
        }
        double sign = negateCos ? -1.0 : 1.0;
        double x4 = x2 * x2;
        double c2 = Math.fma(x2, sign * C4, sign * C3);
        double c1 = Math.fma(x2, sign * C1, sign * C0);
        double x6 = x4 * x2;
        double c = Math.fma(x4, sign * C2, c1);
        return (float) Math.fma(x6, c2, c);
    }

    private static int top12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }
}
