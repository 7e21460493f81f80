package org.jllm.model;

import java.util.Arrays;
import java.util.Optional;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufFormatException;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.kernels.Kernels;
import org.jllm.tensor.Tensor;

/** Looks tensors up in a GGUF file by name and checks their shapes against the model's configuration. */
public final class GgufWeights {
    private final GgufFile file;
    private final Kernels kernels;

    public GgufWeights(GgufFile file, Kernels kernels) {
        this.file = file;
        this.kernels = kernels;
    }

    public Kernels kernels() {
        return kernels;
    }

    public boolean has(String name) {
        return file.findTensor(name).isPresent();
    }

    /** The tensor {@code name}, which must have exactly {@code shape} (GGUF order). */
    public Tensor tensor(String name, long... shape) throws ModelFormatException {
        GgufTensorInfo info;
        try {
            info = file.tensor(name);
        } catch (GgufFormatException e) {
            throw new ModelFormatException(e.getMessage(), e);
        }
        long[] actual = info.shape();
        if (!Arrays.equals(trimmed(actual), trimmed(shape))) {
            throw new ModelFormatException(file.path() + ": tensor '" + name + "' has shape "
                    + Arrays.toString(actual) + ", expected " + Arrays.toString(shape));
        }
        return new Tensor(name, info.type(), actual, file.data(info));
    }

    /** The shape without trailing dimensions of 1: [64, 1] and [64] describe the same tensor. */
    private static long[] trimmed(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(shape, n);
    }

    /** A weight matrix of {@code rows} rows of {@code cols} values, with the kernel for its type. */
    public Linear linear(String name, int cols, int rows) throws ModelFormatException {
        Tensor t = tensor(name, cols, rows);
        if (!kernels.supports(t.type())) {
            throw new ModelFormatException(file.path() + ": tensor '" + name + "' has type " + t.type()
                    + ", which this version cannot compute with (supported: " + supportedTypes() + ")");
        }
        return new Linear(t, kernels);
    }

    private String supportedTypes() {
        StringBuilder sb = new StringBuilder();
        for (org.jllm.kernels.GgmlType t : org.jllm.kernels.GgmlType.values()) {
            if (kernels.supports(t)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(t);
            }
        }
        return sb.toString();
    }

    public Optional<Linear> optionalLinear(String name, int cols, int rows) throws ModelFormatException {
        return has(name) ? Optional.of(linear(name, cols, rows)) : Optional.empty();
    }

    /**
     * A 1-D tensor (a norm weight, RoPE frequency factors) as floats. These are a few KB per layer, so they are
     * copied to the heap once to keep the hot loops on plain arrays.
     */
    public float[] vector(String name, int length) throws ModelFormatException {
        Linear l = linear(name, length, 1);
        float[] v = new float[length];
        l.row(0, v);
        return v;
    }
}
