package org.jllm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A kernel for a weight matrix whose rows were regrouped when the model was loaded: groups of
 * {@link #rowsPerGroup()} rows are interleaved block by block, so that one vector lane follows one row and a block's
 * scales and values for all rows of a group are read with a few wide loads (llama.cpp's "repacked" layouts serve the
 * same purpose). The interleaved matrix takes {@link #interleavedBytes} bytes (the original's size, or a few percent
 * more where packed fields are spread out to whole bytes); {@link #interleave} writes it.
 *
 * <p>{@link #matVec} and {@link #dequantizeRow} read the interleaved bytes; {@code rowFrom} and {@code rowTo} of
 * {@code matVec} must be multiples of {@link #rowsPerGroup()}, as must the matrix's row count.
 */
public interface RowInterleavedKernel extends WeightKernel {

    /** Rows per interleaved group. */
    int rowsPerGroup();

    /** Bytes of a matrix of {@code rows} rows (a multiple of {@link #rowsPerGroup()}) and {@code cols} columns. */
    long interleavedBytes(long rows, int cols);

    /**
     * Writes groups {@code [groupFrom, groupTo)} of the matrix {@code src}, in its stored type's layout with
     * {@code cols} values per row, to their byte range of {@code dst} in the interleaved layout. Groups are
     * independent, so threads may write disjoint ranges at once.
     */
    void interleave(MemorySegment src, int cols, MemorySegment dst, int groupFrom, int groupTo);
}
