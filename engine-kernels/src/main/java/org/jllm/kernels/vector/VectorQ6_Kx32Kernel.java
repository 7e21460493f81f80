package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q6_Kx32Kernel;

/**
 * The 512-bit kernel of Q6_K with 32 interleaved rows: one int16 lane per row. For each byte l of a half's low bits,
 * three 32-byte loads (the low-bit bytes l and l + 32 and the high-bit byte l of 32 rows) give the rows' four values
 * l, l + 32, l + 64, l + 96 of the half; each, centred (q - 32), is multiplied by its broadcast activation and summed
 * in an int16 accumulator over 8 values (8 products of at most 32 x 127 stay below 2^15), then split into int32
 * lanes of rows 0-15 and 16-31 (see {@link #pairedLane}) and multiplied by the rows' int8 scale of its group of 16.
 * Same bits as the scalar {@link Q6_Kx32Kernel}.
 *
 * <p>The work is split into small methods that hand over arrays ({@link GroupScratch}), never vectors: in one large
 * method the JIT ran out of inlining budget in some compile orders, and the vector operations it then left as calls
 * allocate.
 */
final class VectorQ6_Kx32Kernel extends Q6_Kx32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 256, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> superBlockSums(w, off, x.shorts(), b * 256, work);

    /** The exact integer sums of the super-block at {@code off} for the group's 32 rows, into {@code sums[0..32)}. */
    private static void superBlockSums(MemorySegment w, long off, short[] xs, int xo, GroupScratch work) {
        java.util.Arrays.fill(work.sums, 0, ROWS, 0);
        for (int h = 0; h < 2; h++) {
            for (int l0 = 0; l0 < 32; l0 += 8) {
                // Low-bit byte 64h + l0 starts the part; quarter t's group of 16 is 8h + 2t + l0 / 16.
                eightColumns(w, off + lowBitsAt(64 * h + l0), xs, xo + 128 * h + l0, work.partial);
                addScaled(w, off + scaleAt(8 * h + l0 / 16), work.partial, work.sums);
            }
        }
    }

    /**
     * For the part at {@code part} (8 columns l: low-bit bytes, their partners l + 32, high-bit bytes), the int16 sums
     * of (q - 32) * x of the half's four quarters t into {@code partial[32t..+32)}; quarter t's activations start at
     * {@code xs[x0 + 32t]}.
     */
    private static void eightColumns(MemorySegment w, long part, short[] xs, int x0, short[] partial) {
        ShortVector p0 = ShortVector.zero(Wide.S);
        ShortVector p1 = p0;
        ShortVector p2 = p0;
        ShortVector p3 = p0;
        for (int l = 0; l < 8; l++) {
            long column = part + (long) COLUMN_BYTES * l;
            ShortVector a = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, column, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector c = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, column + PARTNERS_AT, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, column + HIGH_BITS_AT, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            p0 = a.and((short) 15).or(q.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                    .sub((short) 32).mul(xs[x0 + l]).add(p0);
            p1 = c.and((short) 15).or(q.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                    .sub((short) 32).mul(xs[x0 + 32 + l]).add(p1);
            p2 = a.lanewise(VectorOperators.LSHR, 4).or(q.and((short) 0x30))
                    .sub((short) 32).mul(xs[x0 + 64 + l]).add(p2);
            p3 = c.lanewise(VectorOperators.LSHR, 4).or(q.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                    .sub((short) 32).mul(xs[x0 + 96 + l]).add(p3);
        }
        p0.intoArray(partial, 0);
        p1.intoArray(partial, 32);
        p2.intoArray(partial, 64);
        p3.intoArray(partial, 96);
    }

    /**
     * Adds quarter t's int16 sums ({@code partial[32t..]}, rows 0-15 in the even lanes, 16-31 in the odd ones) times
     * the rows' int8 scales at {@code sc} + 32t to {@code sums}.
     */
    private static void addScaled(MemorySegment w, long sc, short[] partial, int[] sums) {
        IntVector a0 = IntVector.fromArray(Wide.I, sums, 0);
        IntVector a1 = IntVector.fromArray(Wide.I, sums, 16);
        for (int t = 0; t < 4; t++) {
            IntVector p = ShortVector.fromArray(Wide.S, partial, 32 * t).reinterpretAsInts();
            a0 = a0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * t, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)));
            a1 = a1.add(p.lanewise(VectorOperators.ASHR, 16)
                    .mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * t + 16, Wide.LE)
                            .convertShape(VectorOperators.B2I, Wide.I, 0)));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 16);
    }
}
