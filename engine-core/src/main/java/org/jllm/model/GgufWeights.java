package org.jllm.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufFormatException;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.runtime.HugePages;
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
     * linears must not be used before this returns (the model built from them is published after it). With a cache
     * directory the copies are mapped from the {@link InterleavedCache} file made by an earlier load when there is
     * one, and made in a new cache file there when not (a cache that cannot be read or written is logged and
     * skipped).
     *
     * @param cacheDirectory where interleaved copies are kept between loads, or null to make them anew every time
     */
    public void interleave(WorkerPool pool, Path cacheDirectory) {
        if (toInterleave.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<Linear> linears = List.copyOf(toInterleave);
        toInterleave.clear();
        MemorySegment[] copies = null;
        if (cacheDirectory != null) {
            copies = fromCache(pool, linears, cacheDirectory);
        }
        if (copies == null) {
            MemorySegment[] anonymous = anonymousCopies(pool, linears);
            fill(pool, linears, anonymous);
            copies = anonymous;
            LOG.debug("{}: interleaved {} matrices in {} ms", file.path(), linears.size(),
                    (System.nanoTime() - start) / 1_000_000);
        }
        for (int i = 0; i < linears.size(); i++) {
            linears.get(i).setInterleaved(copies[i]);
        }
    }

    /**
     * Memory for the copies: one mapping on huge pages where this JVM can ask for them ({@link HugePages}), each
     * copy on a 4 KiB boundary of it; else one arena allocation each.
     */
    private MemorySegment[] anonymousCopies(WorkerPool pool, List<Linear> linears) {
        MemorySegment[] copies = new MemorySegment[linears.size()];
        long[] offsets = new long[linears.size()];
        long total = 0;
        for (int i = 0; i < linears.size(); i++) {
            offsets[i] = total;
            total += (InterleavedCache.bytes(linears.get(i)) + 4095) / 4096 * 4096;
        }
        MemorySegment all = HugePages.allocate(interleaved, total);
        if (all != null) {
            for (int i = 0; i < copies.length; i++) {
                copies[i] = all.asSlice(offsets[i], InterleavedCache.bytes(linears.get(i)));
            }
            return copies;
        }
        // Allocating touches every page of the copies (the arena zeroes them): split over the threads too.
        pool.forRange(linears.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                copies[i] = interleaved.allocate(InterleavedCache.bytes(linears.get(i)), 64);
            }
        });
        return copies;
    }

    /**
     * The copies mapped from the cache in {@code directory}, made into a new cache file there when it has none;
     * null when the cache cannot be read or written (logged).
     */
    private MemorySegment[] fromCache(WorkerPool pool, List<Linear> linears, Path directory) {
        long start = System.nanoTime();
        InterleavedCache cache;
        MemorySegment data;
        try {
            cache = InterleavedCache.of(directory, file.path(), linears);
            data = cache.map(interleaved);
            if (data != null) {
                LOG.debug("{}: mapped {} interleaved matrices from {} in {} ms", file.path(), linears.size(),
                        cache.file(), (System.nanoTime() - start) / 1_000_000);
                return slices(cache, data, linears);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot read the interleaved weight cache in {} ({}); interleaving at load", file.path(),
                    directory, e.toString());
            return null;
        }
        InterleavedCache.Pending pending;
        try {
            pending = cache.create();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot create the interleaved weight cache {} ({}); interleaving at load without it",
                    file.path(), cache.file(), e.toString());
            return null;
        }
        try {
            write(pool, linears, cache, pending);
            data = pending.finish(interleaved);
        } catch (IOException | RuntimeException e) {
            // A write failed (the disk filled up under it): make the copies in memory instead.
            LOG.warn("{}: writing the interleaved weight cache {} failed ({}); interleaving at load without it",
                    file.path(), cache.file(), e.toString());
            discard(pending);
            return null;
        }
        try {
            pending.commit();
            LOG.debug("{}: interleaved {} matrices into the new cache {} in {} ms", file.path(), linears.size(),
                    cache.file(), (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot save the interleaved weight cache {} ({}); the next load interleaves again",
                    file.path(), cache.file(), e.toString());
        }
        return slices(cache, data, linears); // written either way; the mapping outlives a deleted file
    }

    /**
     * Interleaves each matrix into the cache file, front to back, a few MiB at a time: groups of rows into the
     * file's staging buffer, split over the pool.
     */
    private static void write(WorkerPool pool, List<Linear> linears, InterleavedCache cache,
                              InterleavedCache.Pending pending) throws IOException {
        for (int i = 0; i < linears.size(); i++) {
            Linear l = linears.get(i);
            RowInterleavedKernel k = l.interleavedKernel();
            int cols = l.inFeatures();
            int groups = l.outFeatures() / k.rowsPerGroup();
            MemorySegment stored = l.weight().data();
            long storedGroupBytes = stored.byteSize() / groups;
            long groupBytes = k.interleavedBytes(k.rowsPerGroup(), cols);
            if (k.interleavedBytes(l.outFeatures(), cols) != groups * groupBytes || groupBytes > pending.maxStage()) {
                throw new IllegalStateException(k + ": interleaved groups of unequal or too large size");
            }
            int perChunk = (int) (pending.maxStage() / groupBytes);
            for (int g0 = 0; g0 < groups; g0 += perChunk) {
                int n = Math.min(perChunk, groups - g0);
                // The chunk's rows as a matrix of their own: its groups are numbered from 0.
                MemorySegment src = stored.asSlice(g0 * storedGroupBytes, n * storedGroupBytes);
                MemorySegment dst = pending.stage(cache.offset(i) + g0 * groupBytes, n * groupBytes);
                pool.forRange(n, 1, (from, to) -> k.interleave(src, cols, dst, from, to));
            }
        }
    }

    private static MemorySegment[] slices(InterleavedCache cache, MemorySegment data, List<Linear> linears) {
        MemorySegment[] copies = new MemorySegment[linears.size()];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = data.asSlice(cache.offset(i), InterleavedCache.bytes(linears.get(i)));
        }
        return copies;
    }

    private static void discard(InterleavedCache.Pending pending) {
        try {
            pending.discard();
        } catch (IOException e) {
            LOG.warn("cannot delete a partial interleaved weight cache: {}", e.toString());
        }
    }

    /** Interleaves each matrix into its copy, split over the pool by groups of rows. */
    private static void fill(WorkerPool pool, List<Linear> linears, MemorySegment[] copies) {
        int[] firstGroup = new int[linears.size() + 1];
        for (int i = 0; i < linears.size(); i++) {
            Linear l = linears.get(i);
            firstGroup[i + 1] = firstGroup[i] + l.outFeatures() / l.interleavedKernel().rowsPerGroup();
        }
        pool.forRange(firstGroup[linears.size()], 16, (from, to) -> {
            for (int i = 0; i < linears.size(); i++) {
                int lo = Math.max(from, firstGroup[i]);
                int hi = Math.min(to, firstGroup[i + 1]);
                if (lo < hi) {
                    Linear l = linears.get(i);
                    l.interleavedKernel().interleave(l.weight().data(), l.inFeatures(), copies[i],
                            lo - firstGroup[i], hi - firstGroup[i]);
                }
            }
        });
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
