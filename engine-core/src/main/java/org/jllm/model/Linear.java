package org.jllm.model;

import org.jllm.kernels.Kernels;
import org.jllm.kernels.WeightKernel;
import org.jllm.tensor.Tensor;

/** A weight matrix with the kernel for its type, read in place from the model file; products run in {@link MatVecs}. */
public final class Linear {
    private final Tensor weight;
    private final WeightKernel kernel;

    public Linear(Tensor weight, Kernels kernels) {
        this.weight = weight;
        this.kernel = kernels.weights(weight.type());
    }

    public Tensor weight() {
        return weight;
    }

    public int inFeatures() {
        return weight.cols();
    }

    public int outFeatures() {
        return weight.rows();
    }

    WeightKernel kernel() {
        return kernel;
    }

    /** Row {@code row} as floats into {@code dst[0..inFeatures)}: an embedding lookup. */
    public void row(int row, float[] dst) {
        kernel.dequantizeRow(weight.data(), weight.cols(), row, dst, 0);
    }
}
