package org.jllm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Matrix-vector products against a weight matrix stored in one ggml type, read in place from a (mapped) segment.
 * Rows are {@code cols} values long and stored one after another, {@code type().bytesFor(cols)} bytes each.
 *
 * <p>Like llama.cpp, a weight type decides what its activations look like before the dot product (its "vec_dot
 * type"): F16 weights see activations rounded to F16, BF16 weights see them rounded to BF16. {@link #prepareInput}
 * does that once per input vector; {@link #matVec} then reads the prepared vector for every row. Both are pure
 * functions of their arguments, so one kernel serves any number of threads.
 */
public interface WeightKernel {

    GgmlType type();

    /** Writes {@code x[0..n)} into {@code prepared} in the form {@link #matVec} reads. */
    void prepareInput(float[] x, int n, Activations prepared);

    /**
     * out[r] = dot(row r, x) for r in [rowFrom, rowTo), x as {@link #prepareInput} left it. {@code w} starts at
     * row 0 of the matrix.
     */
    void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo);

    /**
     * Writes to {@code dst[dstOff..dstOff+n)} the activation values this type's dot product effectively multiplies:
     * {@code x[xOff..xOff+n)} itself (F32), rounded to F16 or BF16, or quantized to the 8-bit blocks of
     * {@link #prepareInput} and scaled back. The matrix-matrix path multiplies these with dequantized rows, so a batch
     * of tokens sees the same activations as token-by-token products and differs from them only in float rounding.
     */
    void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff);

    /** Writes the {@code cols} values of row {@code row}, as floats, to {@code dst[dstOff..]}. */
    void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff);

    /**
     * Whether prompt blocks multiply this type's weights as 16-bit integers against the 8-bit activations of
     * {@link #prepareInput} ({@link #int16Row}, {@link FloatOps#matMulInt16Tile}): each block of 32 values is
     * integers in [-8, 8) under one scale (Q4_0), so a block's 32 products with activations in [-127, 127] sum within
     * int16 (32 x 8 x 127 = 32512) and the block's float step is the one {@link #matVec} takes.
     */
    default boolean hasInt16Blocks() {
        return false;
    }

    /**
     * Row {@code row}'s values as {@link #hasInt16Blocks} describes them, each written as an int holding the value in
     * both 16-bit halves (a pair: one broadcast gives every int16 lane), to {@code pairs[pairsOff..pairsOff+cols)},
     * and its block scales to {@code scales[scalesOff..scalesOff+cols/32)}.
     */
    default void int16Row(MemorySegment w, int cols, long row, int[] pairs, int pairsOff, float[] scales,
                          int scalesOff) {
        throw new UnsupportedOperationException(type() + " has no int16 blocks");
    }

    /**
     * The 8-bit activations {@link #prepareInput} makes of tokens {@code x[from..to)} ({@code cols} values each), for
     * {@link FloatOps#matMulInt16Tile} (types with {@link #hasInt16Blocks}): token t's value k to
     * {@code packed[k * nPad + t]}, its block b's scale to {@code scales[b * nPad + t]}.
     */
    default void int16Input(float[][] x, int from, int to, int cols, short[] packed, float[] scales, int nPad) {
        throw new UnsupportedOperationException(type() + " has no int16 blocks");
    }

    /**
     * Rearranges {@code v[off..off+cols)}, a row as {@link #dequantizeRow} or {@link #roundInput} wrote it, into the
     * column order in which the matrix-matrix path ({@code FloatOps.matMulTile}, which sums {@link LaneMajor} rows)
     * adds the products in the order of {@link #matVec}: the float types' rows go to lane-major order (after BF16's
     * pair order); quantized rows stay as they are (their matVec sums integers, which no float order reproduces).
     */
    default void toTileOrder(float[] v, int off, int cols) {
    }
}
