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

    /** Length in floats of the buffer {@link #prepareInput} writes for {@code n} activations. */
    default int preparedLength(int n) {
        return n;
    }

    /** Writes {@code x[0..n)} in the form {@link #matVec} consumes into {@code prepared}. */
    void prepareInput(float[] x, int n, float[] prepared);

    /**
     * out[r] = dot(row r, prepared) for r in [rowFrom, rowTo). {@code w} starts at row 0 of the matrix.
     */
    void matVec(MemorySegment w, int cols, float[] prepared, float[] out, int rowFrom, int rowTo);

    /** Writes the {@code cols} values of row {@code row}, as floats, to {@code dst[dstOff..]}. */
    void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff);
}
