package org.jllm.model;

import org.jllm.kernels.Activations;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.WeightKernel;
import org.jllm.tensor.Tensor;

/** A weight matrix with the kernel for its type: out = W x, read in place from the model file. */
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

    /**
     * out[0..outFeatures) = W x. {@code scratch} receives the activations in the form the weight type's dot
     * product reads; it is overwritten.
     */
    public void apply(float[] x, float[] out, Activations scratch) {
        int cols = weight.cols();
        kernel.prepareInput(x, cols, scratch);
        kernel.matVec(weight.data(), cols, scratch, out, 0, weight.rows());
    }

    /**
     * out = W x for several matrices reading the same x: the activations are prepared once per distinct weight type
     * (the kernel table holds one kernel per type) instead of once per matrix.
     */
    public static void applyAll(float[] x, Activations scratch, Linear[] linears, float[][] outs) {
        WeightKernel prepared = null;
        for (int i = 0; i < linears.length; i++) {
            Linear l = linears[i];
            if (l.kernel != prepared) {
                l.kernel.prepareInput(x, l.weight.cols(), scratch);
                prepared = l.kernel;
            }
            l.kernel.matVec(l.weight.data(), l.weight.cols(), scratch, outs[i], 0, l.weight.rows());
        }
    }

    /** Row {@code row} as floats into {@code dst[0..inFeatures)}: an embedding lookup. */
    public void row(int row, float[] dst) {
        kernel.dequantizeRow(weight.data(), weight.cols(), row, dst, 0);
    }
}
