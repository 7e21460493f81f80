package org.jllm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The float path for quantized weights (llama3.java's way): each row dequantized to floats and dotted with the
 * activations as they are, unrounded. The integer kernels instead quantize the activations to 8 bits as llama.cpp
 * does; this path is kept to measure against them ({@code MatVecBenchmark}, {@code -Djllm.quantized=float}).
 */
public final class DequantizingKernel implements WeightKernel {
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

    private final WeightKernel weights;
    private final FloatOps ops;

    public DequantizingKernel(WeightKernel weights, FloatOps ops) {
        this.weights = weights;
        this.ops = ops;
    }

    @Override
    public GgmlType type() {
        return weights.type();
    }

    @Override
    public void prepareInput(float[] x, int n, Activations prepared) {
        System.arraycopy(x, 0, prepared.floats(n), 0, n);
    }

    @Override
    public void matVec(MemorySegment w, int cols, Activations x, float[] out, int rowFrom, int rowTo) {
        float[][] holder = ROW.get();
        if (holder[0].length < cols) {
            holder[0] = new float[cols];
        }
        float[] row = holder[0];
        float[] xf = x.floats();
        for (int r = rowFrom; r < rowTo; r++) {
            weights.dequantizeRow(w, cols, r, row, 0);
            out[r] = ops.dot(row, 0, xf, 0, cols);
        }
    }

    @Override
    public void roundInput(float[] x, int xOff, int n, float[] dst, int dstOff) {
        System.arraycopy(x, xOff, dst, dstOff, n);
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, long row, float[] dst, int dstOff) {
        weights.dequantizeRow(w, cols, row, dst, dstOff);
    }
}
