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
     * Rearranges {@code v[off..off+cols)}, a row as {@link #dequantizeRow} or {@link #roundInput} wrote it, into the
     * column order in which the matrix-matrix path ({@code FloatOps.matMulTile}, which sums {@link LaneMajor} rows)
     * adds the products in the order of {@link #matVec}: the float types' rows go to lane-major order (after BF16's
     * pair order); quantized rows stay as they are (their matVec sums integers, which no float order reproduces).
     */
    default void toTileOrder(float[] v, int off, int cols) {
    }
}
