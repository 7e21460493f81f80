package org.jllm.kernels.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.quant.Q4_Kx32Kernel;

/**
 * The 512-bit kernel of Q4_K with 32 interleaved rows: one int16 lane per row. For each byte l of a 32-byte chunk j,
 * one 32-byte load gives the 32 rows' packed byte; its low nibble is multiplied by the broadcast activation of
 * sub-block 2j, its high nibble by that of sub-block 2j + 1, each summed in int16 accumulators over 16 values (16
 * products of at most 15 x 127 stay below 2^15). Per sub-block the two halves are split into int32 lanes of rows 0-15
 * and 16-31 (see {@link #pairedLane}), times the rows' scale bytes; the minimums' sums are int32 too. Same bits as the
 * scalar {@link Q4_Kx32Kernel}.
 *
 * <p>The work is split into small methods that hand over arrays ({@link GroupScratch}), never vectors: in one large
 * method the JIT ran out of inlining budget in some compile orders, and the vector operations it then left as calls
 * allocate.
 */
final class VectorQ4_Kx32Kernel extends Q4_Kx32Kernel {

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        checkGroups(rowFrom, rowTo);
        RowGroups.matVec(w, cols, x, out, rowFrom, rowTo, 256, GROUP_BLOCK_BYTES, DMIN_AT, SUMS);
    }

    private static final RowGroups.BlockSums SUMS = (w, off, x, b, work) -> {
        minimumSums(w, off + MINS_AT, x.groupSums(), b * 16, work.sums);
        superBlockSums(w, off, x.shorts(), b * 256, work);
    };

    /** sum_s scale_s * dot_s of the super-block at {@code off} for the group's 32 rows, into {@code sums[0..32)}. */
    private static void superBlockSums(MemorySegment w, long off, short[] xs, int xo, GroupScratch work) {
        java.util.Arrays.fill(work.sums, 0, ROWS, 0);
        for (int j = 0; j < 4; j++) {
            chunk(w, off + VALUES_AT + 1024L * j, xs, xo + 64 * j, work.partial);
            addScaled(w, off + SCALES_AT + 64L * j, work.partial, 0, 0, work.sums);
        }
    }

    /**
     * The int16 sums over the 32 bytes l of a chunk at {@code values}: low nibbles times {@code xs[x0 + l]} into
     * {@code partial[0..32)} (l < 16) and {@code [32..64)} (l >= 16), high nibbles times {@code xs[x0 + 32 + l]} into
     * {@code [64..96)} and {@code [96..128)}.
     */
    private static void chunk(MemorySegment w, long values, short[] xs, int x0, short[] partial) {
        for (int half = 0; half < 2; half++) {
            ShortVector lo = ShortVector.zero(Wide.S);
            ShortVector hi = lo;
            for (int l = 16 * half; l < 16 * half + 16; l++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Wide.B256, w, values + 32L * l, Wide.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Wide.S, 0);
                lo = v.and((short) 15).mul(xs[x0 + l]).add(lo);
                hi = v.lanewise(VectorOperators.LSHR, 4).mul(xs[x0 + 32 + l]).add(hi);
            }
            lo.intoArray(partial, 32 * half);
            hi.intoArray(partial, 64 + 32 * half);
        }
    }

    /**
     * Adds the chunk's two sub-blocks (low nibbles: {@code partial[0..64)}, high: {@code [64..128)}; rows 0-15 in the
     * even int16 lanes, 16-31 in the odd ones), each plus a centring term ({@code low}, {@code high}: 0 for Q4_K,
     * 16 x the activations' sub-block sum for Q5_K), times the rows' scale bytes at {@code sc} and {@code sc + 32}.
     */
    static void addScaled(MemorySegment w, long sc, short[] partial, int low, int high, int[] sums) {
        IntVector a0 = IntVector.fromArray(Wide.I, sums, 0);
        IntVector a1 = IntVector.fromArray(Wide.I, sums, 16);
        for (int s = 0; s < 2; s++) {
            IntVector p = ShortVector.fromArray(Wide.S, partial, 64 * s).reinterpretAsInts();
            IntVector q = ShortVector.fromArray(Wide.S, partial, 64 * s + 32).reinterpretAsInts();
            IntVector rows0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            IntVector rows1 = p.lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16));
            int centre = s == 0 ? low : high;
            rows0 = rows0.add(centre);
            rows1 = rows1.add(centre);
            a0 = a0.add(rows0.mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * s, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)));
            a1 = a1.add(rows1.mul((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, sc + 32L * s + 16, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 16);
    }

    /** sum_s min_s * xsum_s for the group's 32 rows (minimum bytes at {@code mins}) into {@code sums[32..64)}. */
    static void minimumSums(MemorySegment w, long mins, int[] xsum, int g, int[] sums) {
        IntVector m0 = IntVector.zero(Wide.I);
        IntVector m1 = m0;
        for (int s = 0; s < 8; s++) {
            int xm = xsum[g + 2 * s] + xsum[g + 2 * s + 1];
            m0 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, mins + 32L * s, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).mul(xm).add(m0);
            m1 = ((IntVector) ByteVector.fromMemorySegment(Wide.B128, w, mins + 32L * s + 16, Wide.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, Wide.I, 0)).mul(xm).add(m1);
        }
        m0.intoArray(sums, 32);
        m1.intoArray(sums, 48);
    }
}
