package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The building blocks of the 512-bit integer kernels: 32 weights as 32 int16 lanes, multiplied with 32 int8
 * activations held as int16 (products fit: |q| <= 127 times |x| <= 127), then summed in adjacent pairs into 16 int32
 * lanes, so lane i of a chunk of 32 holds products 2i and 2i+1. Those lanes are scaled and accumulated in 16 float
 * lanes and summed in a fixed order ({@link Reductions#sum(float[])}). One multiply covers a whole block of 32;
 * the 8-lane llama.cpp order needs four, which is why these kernels exist beside the 256-bit ones.
 */
final class Wide {
    /** Whether the platform runs 512-bit vectors natively (the preferred float species has 16 lanes). */
    static final boolean AVAILABLE = FloatVector.SPECIES_PREFERRED.length() == 16;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Lanes 16-31: values 16-31 of a block (high nibbles; fifth bits in the upper half of qh). */
    private static final VectorMask<Short> UPPER =
            ShortVector.zero(S).addIndex(1).compare(VectorOperators.GE, (short) 16);
    /** Bytes 0-15 twice: the 16 bytes of packed nibbles feed both the low (values 0-15) and high (16-31) halves. */
    private static final VectorShuffle<Byte> TWICE = VectorShuffle.fromOp(B256, i -> i & 15);
    /** Bytes 0-15 keep their low nibble, bytes 16-31 their high nibble in place (16 times its value). */
    private static final ByteVector NIBBLES_IN_PLACE =
            ByteVector.broadcast(B256, (byte) 0x0f)
                    .blend((byte) 0xf0, ByteVector.zero(B256).addIndex(1).compare(VectorOperators.GE, 16));
    /** Q4_0's offset 8 for values 0-15 and 16 x 8 for values 16-31 (see NIBBLES_IN_PLACE). */
    static final ShortVector Q4_0_OFFSETS = ShortVector.broadcast(S, (short) 8).blend((short) 128, UPPER);
    /** 1 for lanes 0-7, 1/16 for lanes 8-15: undoes NIBBLES_IN_PLACE's factor in a float accumulator. */
    static final FloatVector UNSCALE_UPPER = FloatVector.broadcast(F, 1f)
            .blend(1f / 16, IntVector.zero(I).addIndex(1).compare(VectorOperators.GE, 8).cast(F));
    /** Shift right by 0 for values 0-15 (low nibbles), by 4 for values 16-31 (high nibbles). */
    private static final ShortVector NIBBLE_SHIFT = ShortVector.zero(S).blend((short) 4, UPPER);
    /** Lane v's bit within its 16-bit half of qh. */
    private static final ShortVector BIT_IN_HALF = ShortVector.zero(S).addIndex(1).and((short) 15);

    /**
     * IQ4_NL's (and IQ4_XS's) 16 levels as int16 lanes 0-15 and again as lanes 16-31, looked up by nibble: a lookup
     * takes an index's low five bits, so a byte (zero-extended) finds its low nibble's level without a mask.
     */
    static final ShortVector LEVELS = ShortVector.fromArray(S, levels(), 0);
    /** Int lanes 8-15: the pair sums of values 16-31 of a chunk, for types with one scale per 16 values. */
    static final VectorMask<Integer> UPPER_PAIRS = IntVector.zero(I).addIndex(1).compare(VectorOperators.GE, 8);

    private Wide() {
    }

    /** 32 signed bytes at {@code at} as int16 lanes. */
    static ShortVector signedBytes(MemorySegment w, long at) {
        return (ShortVector) ByteVector.fromMemorySegment(B256, w, at, LE).convertShape(VectorOperators.B2S, S, 0);
    }

    /** The 16 bytes at {@code at} as 32 nibbles (0-15) in natural order: low nibbles, then high nibbles. */
    static ShortVector nibbles(MemorySegment w, long at) {
        ByteVector bytes = (ByteVector) ByteVector.fromMemorySegment(B128, w, at, LE).reinterpretShape(B256, 0);
        return ((ShortVector) bytes.rearrange(TWICE).convertShape(VectorOperators.B2S, S, 0))
                .lanewise(VectorOperators.LSHR, NIBBLE_SHIFT).and((short) 15);
    }

    /**
     * The 16 bytes at {@code at} as 32 values: low nibbles (0-15), then high nibbles masked in place (16 times their
     * value, 0-240), zero-extended; one operation less than {@link #nibbles}.
     */
    static ShortVector nibblesInPlace(MemorySegment w, long at) {
        ByteVector bytes = (ByteVector) ByteVector.fromMemorySegment(B128, w, at, LE).reinterpretShape(B256, 0);
        return (ShortVector) bytes.rearrange(TWICE).and(NIBBLES_IN_PLACE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** Bit v of the little-endian 32-bit word {@code qh}, moved to bit 4, in lane v (the fifth bit of Q5 values). */
    static ShortVector fifthBits(int qh) {
        ShortVector halves = ShortVector.broadcast(S, (short) qh).blend((short) (qh >>> 16), UPPER);
        return halves.lanewise(VectorOperators.LSHR, BIT_IN_HALF).and((short) 1).lanewise(VectorOperators.LSHL, 4);
    }

    /**
     * Products of 32 weights with activations {@code xs[at..at+32)}, summed in adjacent pairs: 16 int lanes. An int
     * lane p holds the pair as hi * 2^16 + (lo mod 2^16), so p + (p << 16) is (hi + lo) * 2^16 + (lo mod 2^16) modulo
     * 2^32, and its arithmetic shift right by 16 is hi + lo, as long as that fits 16 bits: it does, every pair of
     * products here is at most 2 * 128 * 127 in magnitude. Three operations instead of sign-extending both halves.
     */
    static IntVector pairSums(ShortVector q, short[] xs, int at) {
        IntVector p = q.mul(ShortVector.fromArray(S, xs, at)).reinterpretAsInts();
        return p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /**
     * The bits kept of a sign-extended F16 shifted left by 13: the sign (bit 31), the half's exponent in bits 23-27
     * and its mantissa below; bits 28-30 hold copies of the sign. What is left, as a float, is the half's value times
     * 2^-112, normal or subnormal: times 2^112 it is the value, exactly for finite halves (an all-ones exponent comes
     * out a finite 2^16 or more), in three operations after the widening load.
     */
    static final int SIGN_AND_LOW_EXPONENT = 0x8fffffff;

    /**
     * Writes the 32 F16 values at {@code at} converted to float ({@link #SIGN_AND_LOW_EXPONENT}) and times {@code s}
     * to {@code dst[dstOff..+32)}. Arrays in and out: see {@link GroupScratch}.
     */
    static void f16Times(MemorySegment w, long at, float s, float[] dst, int dstOff) {
        for (int k = 0; k < 2; k++) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, at + 32L * k, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 13).and(SIGN_AND_LOW_EXPONENT).reinterpretAsFloats().mul(0x1p112f).mul(s)
                    .intoArray(dst, dstOff + 16 * k);
        }
    }

    /**
     * Flips bit 15 of an int lane: its low int16 half l (signed) becomes l + 2^15 (unsigned, no carry into the high
     * half), so the int32 lane is h * 2^16 + l + 2^15 exactly and a sum of such lanes holds both halves' sums.
     */
    static final int LOW_HALF_BIAS = 0x8000;

    /**
     * The sums of the low (signed) int16 halves of {@code steps} int lanes, from the sum of those lanes with
     * {@link #LOW_HALF_BIAS} flipped ({@code biased}) and the sums of their high halves ({@code highs}): biased minus
     * highs * 2^16 minus steps * 2^15, exact in int arithmetic. One operation per step instead of the three that
     * sign-extend each low half (shift left, shift right, add), for one after the loop.
     */
    static IntVector lowHalves(IntVector biased, IntVector highs, int steps) {
        return biased.sub(highs.lanewise(VectorOperators.LSHL, 16)).sub(steps << 15);
    }

    private static short[] levels() {
        short[] t = new short[32];
        for (int i = 0; i < 32; i++) {
            t[i] = (short) org.jllm.kernels.quant.IQ4_NLKernel.LEVELS[i % 16];
        }
        return t;
    }
}
