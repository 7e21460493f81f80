package org.jllm.model;

import java.lang.foreign.MemorySegment;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;
import org.jllm.tensor.Tensor;

/**
 * A weight matrix with the kernel for its type, read in place from the model file; products run in {@link MatVecs}
 * and {@link MatMuls}. Matrix-vector products may read an interleaved copy instead ({@link RowInterleavedKernel}).
 */
public final class Linear {
    private final Tensor weight;
    private final WeightKernel kernel;
    private final WeightKernel matVecKernel;
    /** The scalar kernel of the stored layout, for single rows ({@link #row}). */
    private final WeightKernel rowKernel;
    /** Set once, before the model is published, for an interleaved copy ({@link GgufWeights#interleave}). */
    private MemorySegment matVecData;

    public Linear(Tensor weight, Kernels kernels) {
        this.weight = weight;
        this.kernel = kernels.weights(weight.type());
        this.rowKernel = Kernels.scalar().weights(weight.type());
        this.matVecKernel = kernel;
        this.matVecData = weight.data();
    }

    /** A matrix whose matrix-vector products will read a copy in {@code matVecKernel}'s layout, given later. */
    Linear(Tensor weight, Kernels kernels, RowInterleavedKernel matVecKernel) {
        this.weight = weight;
        this.kernel = kernels.weights(weight.type());
        this.rowKernel = Kernels.scalar().weights(weight.type());
        this.matVecKernel = matVecKernel;
    }

    void setInterleaved(MemorySegment copy) {
        if (matVecData != null || interleavedKernel() == null) {
            throw new IllegalStateException(weight.name() + " already has its matrix-vector data");
        }
        matVecData = copy;
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

    /** The kernel of the stored layout (prompt blocks, embedding rows). */
    WeightKernel kernel() {
        return kernel;
    }

    /** The kernel of matrix-vector products, and the bytes it reads. */
    WeightKernel matVecKernel() {
        return matVecKernel;
    }

    MemorySegment matVecData() {
        return matVecData;
    }

    /** The interleaved layout's kernel, or null when products read the stored matrix. */
    RowInterleavedKernel interleavedKernel() {
        return matVecKernel instanceof RowInterleavedKernel k ? k : null;
    }

    /**
     * Row {@code row} as floats into {@code dst[0..inFeatures)}: an embedding lookup. The scalar kernel's, which gives
     * the vector kernel's values exactly (KernelsAgreementTest): one row a token is too little work for the JIT to
     * compile vector code soon, and until it does every vector is an allocated object (a 1B model's first ~300 tokens).
     */
    public void row(int row, float[] dst) {
        rowKernel.dequantizeRow(weight.data(), weight.cols(), row, dst, 0);
    }
}
