package org.jllm.model;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufFormatException;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.runtime.WorkerPool;
import org.jllm.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks tensors up in a GGUF file by name and checks their shapes against the model's configuration. Given an arena,
 * it also gives each matrix the kernels have a {@link RowInterleavedKernel} for a copy in that layout, filled by
 * {@link #interleave} once the model is built.
 */
public final class GgufWeights {
    private static final Logger LOG = LoggerFactory.getLogger(GgufWeights.class);

    private final GgufFile file;
    private final Kernels kernels;
    private final Arena interleaved;
    private final List<Linear> toInterleave = new ArrayList<>();

    /** @param interleaved where interleaved copies are allocated, or null to keep every matrix as stored */
    public GgufWeights(GgufFile file, Kernels kernels, Arena interleaved) {
        this.file = file;
        this.kernels = kernels;
        this.interleaved = interleaved;
    }

    public GgufFile file() {
        return file;
    }

    public Kernels kernels() {
        return kernels;
    }

    /**
     * Allocates and fills the interleaved copies of the matrices handed out so far, split over {@code pool}; those
     * linears must not be used before this returns (the model built from them is published after it).
     */
    public void interleave(WorkerPool pool) {
        if (toInterleave.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        int[] firstGroup = new int[toInterleave.size() + 1];
        long bytes = 0;
        for (int i = 0; i < toInterleave.size(); i++) {
            Linear l = toInterleave.get(i);
            firstGroup[i + 1] = firstGroup[i] + l.outFeatures() / l.interleavedKernel().rowsPerGroup();
            bytes += l.interleavedKernel().interleavedBytes(l.outFeatures(), l.inFeatures());
        }
        // Allocating touches every page of the copies (the arena zeroes them): split over the threads too.
        pool.forRange(toInterleave.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                Linear l = toInterleave.get(i);
                l.setInterleaved(interleaved.allocate(
                        l.interleavedKernel().interleavedBytes(l.outFeatures(), l.inFeatures()), 64));
            }
        });
        pool.forRange(firstGroup[toInterleave.size()], 16, (from, to) -> {
            for (int i = 0; i < toInterleave.size(); i++) {
                int lo = Math.max(from, firstGroup[i]);
                int hi = Math.min(to, firstGroup[i + 1]);
                if (lo < hi) {
                    Linear l = toInterleave.get(i);
                    l.interleavedKernel().interleave(l.weight().data(), l.inFeatures(), l.matVecData(),
                            lo - firstGroup[i], hi - firstGroup[i]);
                }
            }
        });
        LOG.debug("{}: interleaved {} matrices ({} MiB) in {} ms", file.path(), toInterleave.size(), bytes >> 20,
                (System.nanoTime() - start) / 1_000_000);
        toInterleave.clear();
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
        RowInterleavedKernel ik = interleaved == null ? null : kernels.rowInterleaved(t.type());
        if (ik == null || rows % ik.rowsPerGroup() != 0) {
            return new Linear(t, kernels);
        }
        Linear l = new Linear(t, kernels, ik);
        toInterleave.add(l);
        return l;
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
