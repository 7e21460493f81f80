package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q5_0x32Kernel;

/**
 * The 512-bit kernel of Q5_0 with 32 interleaved rows: one int16 lane per row. For each byte j, the rows' nibbles
 * with their fifth bits (bit j and j + 16 of the rows' qh), centred (q - 16), times the broadcast activations of
 * values j and j + 16, are summed in two int16 accumulators over the block (16 products of at most 16 x 127 each),
 * then split into int32 lanes of rows 0-15 and 16-31 ({@link #pairedLane}). Same bits as the scalar
 * {@link Q5_0x32Kernel}.
 */
final class VectorQ5_0x32Kernel extends Q5_0x32Kernel {
    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> blockSums(w, off + HIGH_BITS_AT,
            off + VALUES_AT, (short) 16, x.shorts(), b * 32, work.partial, work.sums);

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 32, GROUP_BLOCK_BYTES, 0, SUMS);
    }

    /**
     * The 32 rows' exact block sums of (q - centre) * x into {@code sums[0..32)}: fifth-bit bytes at {@code high},
     * packed bytes at {@code values} (Q5_0 centres on 16, Q5_1 takes its values as they are).
     */
    static void blockSums(MemorySegment w, long high, long values, short centre, short[] xq, int x0, short[] partial,
                          int[] sums) {
        for (int half = 0; half < 2; half++) {
            eightColumns(w, high, values, centre, half, xq, x0, partial);
        }
        IntVector rows0 = IntVector.zero(Wide.I);
        IntVector rows1 = rows0;
        for (int k = 0; k < 4; k++) {
            IntVector p = ShortVector.fromArray(Wide.S, partial, 32 * k).reinterpretAsInts();
            rows0 = rows0.add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            rows1 = rows1.add(p.lanewise(VectorOperators.ASHR, 16));
        }
        rows0.intoArray(sums, 0);
        rows1.intoArray(sums, 16);
    }

    /**
     * Bytes j = 8 half .. 8 half + 7: low nibbles (values j, fifth bit j of qh byte {@code half}) into
     * {@code partial[64 half..+32)}, high nibbles (values j + 16, qh byte 2 + half) into {@code [64 half + 32..+32)}.
     */
    private static void eightColumns(MemorySegment w, long high, long values, short centre, int half, short[] xq,
                                     int x0, short[] partial) {
        ShortVector hLo = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, high + 32L * half,
                Wide.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
        ShortVector hHi = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, high + 32L * (2 + half),
                Wide.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
        ShortVector lo = ShortVector.zero(Wide.S);
        ShortVector hi = lo;
        for (int s = 0; s < 8; s++) {
            int j = 8 * half + s;
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * j,
                    Wide.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
            ShortVector q0 = v.and((short) 15).or(hLo.lanewise(VectorOperators.LSHR, s).and((short) 1)
                    .lanewise(VectorOperators.LSHL, 4)).sub(centre);
            ShortVector q1 = v.lanewise(VectorOperators.LSHR, 4).or(hHi.lanewise(VectorOperators.LSHR, s)
                    .and((short) 1).lanewise(VectorOperators.LSHL, 4)).sub(centre);
            lo = q0.mul(xq[x0 + j]).add(lo);
            hi = q1.mul(xq[x0 + 16 + j]).add(hi);
        }
        lo.intoArray(partial, 64 * half);
        hi.intoArray(partial, 64 * half + 32);
    }
}
