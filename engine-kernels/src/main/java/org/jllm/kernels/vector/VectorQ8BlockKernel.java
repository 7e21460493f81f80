package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Numbers;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.quant.Q8BlockKernel;

/**
 * The integer path of the 32-value block types on the Vector API, giving the same bits as the scalar
 * {@link Q8BlockKernel}. A block's 32 weights are unpacked into 8 int lanes of 4 bytes (lane k holds values
 * 4k..4k+3, the grouping of llama.cpp's partial sums); byte m of every lane is extracted by shifts and multiplied
 * with the activations, which {@code prepareInput} regrouped the same way.
 */
final class VectorQ8BlockKernel implements WeightKernel {
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final int LANES = Q8BlockKernel.LANES;
    private static final int BLOCK = Q8BlockKernel.BLOCK;
    /** Lanes 0-3 and 4-7 both read the 4 ints of 16 nibble bytes: low nibbles first, then high. */
    private static final VectorShuffle<Integer> TWICE = VectorShuffle.fromValues(I, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final IntVector NIBBLE_SHIFT = IntVector.fromArray(I, new int[] {0, 0, 0, 0, 4, 4, 4, 4}, 0);
    private static final IntVector QH_SHIFT = IntVector.fromArray(I, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 0);

    /** IQ4_NL's levels for nibbles 0-7 and 8-15, looked up lane-wise. */
    private static final IntVector LEVELS_LOW =
            IntVector.fromArray(I, org.jllm.kernels.quant.IQ4_NLKernel.LEVELS, 0);
    private static final IntVector LEVELS_HIGH =
            IntVector.fromArray(I, org.jllm.kernels.quant.IQ4_NLKernel.LEVELS, 8);

    /** The 512-bit shapes of the natural-order dequantization (used when the platform has them). */
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
    private static final IntVector IOTA16 = IntVector.zero(I16).addIndex(1);
    private static final IntVector LEVELS16 =
            IntVector.fromArray(I16, org.jllm.kernels.quant.IQ4_NLKernel.LEVELS, 0);

    /** int16Input's shapes: a preferred vector of floats, narrowed to as many shorts. */
    private static final VectorSpecies<Float> INPUT_FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> INPUT_SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INPUT_FLOATS.length() * 16));
    /** int16Row's shapes: a preferred vector of ints (8 or 16, with 256 bits or more), widened from as many bytes. */
    private static final VectorSpecies<Integer> PAIR_INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> PAIR_BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(PAIR_INTS.length() * 8));
    /** 1.5 x 2^23: v + ROUNDER - ROUNDER is v rounded to an integer, ties to even. */
    private static final float ROUNDER = 0x1.8p23f;

    private final Q8BlockKernel scalar;
    private final boolean levels;
    /** Byte offset of the packed values (and of qh for 5-bit types) inside a block. */
    private final int qsAt;
    private final int qhAt;
    /** Subtracted from each unsigned value (8 for Q4_0, 16 for Q5_0, 0 with a minimum); -1 for signed bytes. */
    private final int offset;

    private VectorQ8BlockKernel(Q8BlockKernel scalar, int qsAt, int qhAt, int offset) {
        this.scalar = scalar;
        this.qsAt = qsAt;
        this.qhAt = qhAt;
        this.offset = offset;
        this.levels = scalar.type() == GgmlType.IQ4_NL;
    }

    static WeightKernel forType(GgmlType type) {
        return switch (type) {
            case Q8_0 -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.Q8_0Kernel(), 2, -1, -1);
            case Q4_0 -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.Q4_0Kernel(), 2, -1, 8);
            case Q4_1 -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.Q4_1Kernel(), 4, -1, 0);
            case Q5_0 -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.Q5_0Kernel(), 6, 2, 16);
            case Q5_1 -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.Q5_1Kernel(), 8, 4, 0);
            case IQ4_NL -> new VectorQ8BlockKernel(new org.jllm.kernels.quant.IQ4_NLKernel(), 2, -1, 0);
            default -> null;
        };
    }

    @Override
    public GgmlType type() {
        return scalar.type();
    }

    @Override
    public void prepareInput(float[] x, int n, Activations out) {
        scalar.prepareInput(x, n, out);
    }

    @Override
    public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
        scalar.roundInput(x, xOff, n, dst, dstOff);
    }

    /**
     * Sixteen values at a time in natural order (values 0-15 are the low nibbles of the 16 packed bytes, 16-31 the
     * high ones; bit j of qh is value j's fifth bit), computed as the scalar reference: d * q, or d * q + m.
     */
    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        if (FloatVector.SPECIES_PREFERRED.length() != 16) {
            scalar.dequantizeRow(w, cols, row, dst, dstOff);
            return;
        }
        int blocks = cols / BLOCK;
        int bb = scalar.blockBytes();
        boolean min = scalar.hasMinimum();
        long base = row * blocks * bb;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * bb;
            IntVector lo;
            IntVector hi;
            if (offset < 0) {
                lo = (IntVector) ByteVector.fromMemorySegment(B128, w, off + qsAt, LE)
                        .convertShape(VectorOperators.B2I, I16, 0);
                hi = (IntVector) ByteVector.fromMemorySegment(B128, w, off + qsAt + 16, LE)
                        .convertShape(VectorOperators.B2I, I16, 0);
            } else {
                IntVector bytes = (IntVector) ByteVector.fromMemorySegment(B128, w, off + qsAt, LE)
                        .convertShape(VectorOperators.B2I, I16, 0);
                lo = bytes.and(0x0f);
                hi = bytes.lanewise(VectorOperators.LSHR, 4).and(0x0f);
                if (qhAt >= 0) {
                    IntVector qh = IntVector.broadcast(I16, w.get(I32, off + qhAt));
                    lo = qh.lanewise(VectorOperators.LSHR, IOTA16).and(1).lanewise(VectorOperators.LSHL, 4).or(lo);
                    hi = qh.lanewise(VectorOperators.LSHR, IOTA16.add(16)).and(1)
                            .lanewise(VectorOperators.LSHL, 4).or(hi);
                }
            }
            float d = scalar.scale(w, off);
            if (levels) {
                lo = LEVELS16.rearrange(lo.toShuffle());
                hi = LEVELS16.rearrange(hi.toShuffle());
            } else if (offset > 0) {
                lo = lo.sub(offset);
                hi = hi.sub(offset);
            }
            FloatVector fLo = ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d);
            FloatVector fHi = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d);
            if (min) {
                float m = scalar.minimum(w, off);
                fLo = fLo.add(m);
                fHi = fHi.add(m);
            }
            fLo.intoArray(dst, dstOff + b * BLOCK);
            fHi.intoArray(dst, dstOff + b * BLOCK + 16);
        }
    }

    /** With vectors of 256 bits or more ({@link Int16Tiles}); narrower ones keep the float tiles. */
    @Override
    public boolean hasInt16Blocks() {
        return Int16Tiles.AVAILABLE && scalar.hasInt16Blocks();
    }

    /**
     * The scalar reference with each token's block quantized a preferred float vector at a time (16 or 8 lanes):
     * amax by a lane reduction (max is exact in any order), x * (127 / amax) rounded to nearest even by adding and
     * subtracting 1.5 x 2^23 (exact for |v| < 2^22, as Math.rint), then transposed as the reference does.
     */
    @Override
    public void int16Input(float[][] x, int from, int to, int cols, short[] packed, float[] scales, int nPad) {
        if (!hasInt16Blocks()) {
            scalar.int16Input(x, from, to, cols, packed, scales, nPad);
            return;
        }
        int step = INPUT_FLOATS.length();
        short[] blocks = new short[BLOCK * BLOCK];
        for (int t0 = from; t0 < to; t0 += BLOCK) {
            int count = Math.min(BLOCK, to - t0);
            for (int b = 0; b < cols / BLOCK; b++) {
                for (int i = 0; i < count; i++) {
                    float[] xt = x[t0 + i];
                    FloatVector max = FloatVector.zero(INPUT_FLOATS);
                    for (int j = 0; j < BLOCK; j += step) {
                        max = FloatVector.fromArray(INPUT_FLOATS, xt, b * BLOCK + j).abs().max(max);
                    }
                    float amax = max.reduceLanes(VectorOperators.MAX);
                    scales[b * nPad + t0 + i] = Numbers.roundToF16(amax / 127f);
                    float id = amax != 0f ? 127f / amax : 0f;
                    for (int j = 0; j < BLOCK; j += step) {
                        ((ShortVector) FloatVector.fromArray(INPUT_FLOATS, xt, b * BLOCK + j).mul(id).add(ROUNDER)
                                .sub(ROUNDER).convertShape(VectorOperators.F2S, INPUT_SHORTS, 0))
                                .intoArray(blocks, i * BLOCK + j);
                    }
                }
                for (int j = 0; j < BLOCK; j++) {
                    int at = (b * BLOCK + j) * nPad + t0;
                    for (int i = 0; i < count; i++) {
                        packed[at + i] = blocks[i * BLOCK + j];
                    }
                }
            }
        }
    }

    /**
     * The scalar reference's pairs, a vector of ints at a time (16 or 8 of a block's 16 packed bytes): value - 8 in
     * both halves of a lane.
     */
    @Override
    public void int16Row(MemorySegment w, int cols, long row, int[] pairs, int pairsOff, float[] scales,
                         int scalesOff) {
        if (!hasInt16Blocks()) {
            scalar.int16Row(w, cols, row, pairs, pairsOff, scales, scalesOff);
            return;
        }
        int blocks = cols / BLOCK;
        int bb = scalar.blockBytes();
        long base = row * blocks * bb;
        int step = PAIR_INTS.length();
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * bb;
            for (int j = 0; j < 16; j += step) {
                IntVector bytes = (IntVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, off + qsAt + j, LE)
                        .convertShape(VectorOperators.B2I, PAIR_INTS, 0);
                IntVector lo = bytes.and(0x0f).sub(offset);
                IntVector hi = bytes.lanewise(VectorOperators.LSHR, 4).and(0x0f).sub(offset);
                lo.and(0xffff).or(lo.lanewise(VectorOperators.LSHL, 16)).intoArray(pairs, pairsOff + b * BLOCK + j);
                hi.and(0xffff).or(hi.lanewise(VectorOperators.LSHL, 16))
                        .intoArray(pairs, pairsOff + b * BLOCK + 16 + j);
            }
            scales[scalesOff + b] = scalar.scale(w, off);
        }
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        if (Wide.AVAILABLE) {
            switch (type()) {
                case Q8_0 -> wideSigned(w, cols, x, out, rowFrom, rowTo);
                case IQ4_NL -> wideLevels(w, cols, x, out, rowFrom, rowTo);
                case Q5_0, Q5_1 -> wideFiveBits(w, cols, x, out, rowFrom, rowTo);
                case Q4_0 -> wideQ4_0(w, cols, x, out, rowFrom, rowTo);
                default -> wideNibbles(w, cols, x, out, rowFrom, rowTo);
            }
            return;
        }
        int blocks = cols / BLOCK;
        int bb = scalar.blockBytes();
        int[] xi = x.ints();
        float[] xd = x.scales();
        float[] xs = x.sums();
        boolean min = scalar.hasMinimum();
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * bb;
            FloatVector acc = FloatVector.zero(F);
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) b * bb;
                FloatVector g = (FloatVector) blockDot(w, off, xi, b * BLOCK).convert(VectorOperators.I2F, 0);
                acc = g.fma(FloatVector.broadcast(F, scalar.scale(w, off) * xd[b]), acc);
                if (min) {
                    mins += scalar.minimum(w, off) * xs[b];
                }
            }
            // The butterfly of Reductions, written out: a call here may not be inlined, and acc would then be boxed.
            acc = acc.add(acc.rearrange(Reductions.XOR256_4));
            acc = acc.add(acc.rearrange(Reductions.XOR256_2));
            acc = acc.add(acc.rearrange(Reductions.XOR256_1));
            out[r] = acc.lane(0) + mins;
        }
    }

    // The 512-bit kernels (see Wide): one loop per way of unpacking a block, so that each keeps its vectors in
    // registers; Q4_1 and Q5_1 subtract 0 where Q4_0 and Q5_0 subtract 8 and 16, and add their minimums.

    /**
     * Q8_0 reads the most bytes per value of the quantized types, so it is the one bound by memory: rows are taken in
     * pairs half the range apart, two independent streams that keep more reads in flight (measured 16.7 -> 19.0 GB/s
     * on one core streaming a 2048-column matrix from DRAM, no change in cache). Each row is summed as alone.
     */
    private void wideSigned(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[] lanes = GroupScratch.get().lanes;
        int blocks = cols / BLOCK;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        int half = (rowTo - rowFrom) / 2;
        for (int r = rowFrom; r < rowFrom + half; r++) {
            long row = (long) r * blocks * 34;
            long row2 = (long) (r + half) * blocks * 34;
            FloatVector acc = FloatVector.zero(Wide.F);
            FloatVector acc2 = acc;
            for (int b = 0; b < blocks; b++) {
                long off = row + 34L * b;
                long off2 = row2 + 34L * b;
                IntVector sums = Wide.pairSums(Wide.signedBytes(w, off + 2), xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
                IntVector sums2 = Wide.pairSums(Wide.signedBytes(w, off2 + 2), xs, b * BLOCK);
                acc2 = ((FloatVector) sums2.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off2) * xd[b]), acc2);
            }
            acc.intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes);
            acc2.intoArray(lanes, 0);
            out[r + half] = Reductions.sum(lanes);
        }
        for (int r = rowFrom + 2 * half; r < rowTo; r++) {
            long row = (long) r * blocks * 34;
            FloatVector acc = FloatVector.zero(Wide.F);
            for (int b = 0; b < blocks; b++) {
                long off = row + 34L * b;
                IntVector sums = Wide.pairSums(Wide.signedBytes(w, off + 2), xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
            }
            acc.intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes);
        }
    }

    private void wideNibbles(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[] lanes = GroupScratch.get().lanes;
        int blocks = cols / BLOCK;
        int bb = scalar.blockBytes();
        short[] xs = x.shorts();
        float[] xd = x.scales();
        float[] xsum = x.sums();
        boolean min = scalar.hasMinimum();
        short sub = (short) offset;
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * bb;
            FloatVector acc = FloatVector.zero(Wide.F);
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) bb * b;
                IntVector sums = Wide.pairSums(Wide.nibbles(w, off + qsAt).sub(sub), xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
                if (min) {
                    mins += scalar.minimum(w, off) * xsum[b];
                }
            }
            acc.intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes) + mins;
        }
    }

    /**
     * Q4_0 with one operation less per block than {@link #wideNibbles}: the high nibbles stay in place (16 q, masked,
     * not shifted) and zero-extended, so lanes 16-31 carry 16 (q - 8) once 128 is subtracted; products are at most
     * 128 x 127 and pairs below 2^15, as {@link Wide#pairSums} needs. Those lanes' sums, and so the upper half of the
     * accumulator, come out 16 times too large, exactly (a power of two through I2F and FMA), and are scaled back
     * before the final sum: the same bits as {@link #wideNibbles}.
     */
    private void wideQ4_0(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[] lanes = GroupScratch.get().lanes;
        int blocks = cols / BLOCK;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * 18;
            FloatVector acc = FloatVector.zero(Wide.F);
            for (int b = 0; b < blocks; b++) {
                long off = row + 18L * b;
                IntVector sums = Wide.pairSums(Wide.nibblesInPlace(w, off + 2).sub(Wide.Q4_0_OFFSETS), xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
            }
            acc.mul(Wide.UNSCALE_UPPER).intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes);
        }
    }

    private void wideFiveBits(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[] lanes = GroupScratch.get().lanes;
        int blocks = cols / BLOCK;
        int bb = scalar.blockBytes();
        short[] xs = x.shorts();
        float[] xd = x.scales();
        float[] xsum = x.sums();
        boolean min = scalar.hasMinimum();
        short sub = (short) offset;
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * bb;
            FloatVector acc = FloatVector.zero(Wide.F);
            float mins = 0f;
            for (int b = 0; b < blocks; b++) {
                long off = row + (long) bb * b;
                ShortVector q = Wide.nibbles(w, off + qsAt).or(Wide.fifthBits(w.get(I32, off + qhAt))).sub(sub);
                IntVector sums = Wide.pairSums(q, xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
                if (min) {
                    mins += scalar.minimum(w, off) * xsum[b];
                }
            }
            acc.intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes) + mins;
        }
    }

    private void wideLevels(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[] lanes = GroupScratch.get().lanes;
        int blocks = cols / BLOCK;
        short[] xs = x.shorts();
        float[] xd = x.scales();
        for (int r = rowFrom; r < rowTo; r++) {
            long row = (long) r * blocks * 18;
            FloatVector acc = FloatVector.zero(Wide.F);
            for (int b = 0; b < blocks; b++) {
                long off = row + 18L * b;
                IntVector sums = Wide.pairSums(Wide.nibbles(w, off + 2).selectFrom(Wide.LEVELS), xs, b * BLOCK);
                acc = ((FloatVector) sums.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Wide.F, scalar.scale(w, off) * xd[b]), acc);
            }
            acc.intoArray(lanes, 0);
            out[r] = Reductions.sum(lanes);
        }
    }


    /** The block's 8 integer partial sums (exact, so any order of int additions gives the same). */
    private IntVector blockDot(MemorySegment w, long off, int[] xi, int xb) {
        IntVector packed = packed(w, off);
        IntVector sum = value(packed, 0).mul(IntVector.fromArray(I, xi, xb));
        sum = sum.add(value(packed, 1).mul(IntVector.fromArray(I, xi, xb + LANES)));
        sum = sum.add(value(packed, 2).mul(IntVector.fromArray(I, xi, xb + 2 * LANES)));
        return sum.add(value(packed, 3).mul(IntVector.fromArray(I, xi, xb + 3 * LANES)));
    }

    /** The block's 32 raw values as 8 lanes of 4 bytes, lane k holding values 4k..4k+3. */
    private IntVector packed(MemorySegment w, long block) {
        if (offset < 0) {
            return ByteVector.fromMemorySegment(B256, w, block + qsAt, LE).reinterpretAsInts();
        }
        IntVector nibbles = ((IntVector) ByteVector.fromMemorySegment(B128, w, block + qsAt, LE)
                .reinterpretAsInts().reinterpretShape(I, 0))
                .rearrange(TWICE).lanewise(VectorOperators.LSHR, NIBBLE_SHIFT).and(0x0f0f0f0f);
        if (qhAt < 0) {
            return nibbles;
        }
        // Fifth bits: lane k takes bits 4k..4k+3 of qh and moves bit m to bit 4 of byte m.
        IntVector t = IntVector.broadcast(I, w.get(I32, block + qhAt)).lanewise(VectorOperators.LSHR, QH_SHIFT);
        IntVector high = t.and(1).lanewise(VectorOperators.LSHL, 4)
                .or(t.and(2).lanewise(VectorOperators.LSHL, 11))
                .or(t.and(4).lanewise(VectorOperators.LSHL, 18))
                .or(t.and(8).lanewise(VectorOperators.LSHL, 25));
        return nibbles.or(high);
    }

    /** Byte m of every lane as the integer weight. */
    private IntVector value(IntVector packed, int m) {
        if (offset < 0) {
            return packed.lanewise(VectorOperators.LSHL, 24 - 8 * m).lanewise(VectorOperators.ASHR, 24);
        }
        IntVector v = packed.lanewise(VectorOperators.LSHR, 8 * m).and(0xff);
        if (levels) {
            VectorShuffle<Integer> index = v.and(7).toShuffle();
            return LEVELS_LOW.rearrange(index).blend(LEVELS_HIGH.rearrange(index), v.compare(VectorOperators.GE, 8));
        }
        return v.sub(offset);
    }
}
