package org.jllm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTokenizers;
import org.jllm.kernels.Kernels;
import org.jllm.runtime.HugePages;
import org.jllm.runtime.WorkerPool;
import org.jllm.model.Architectures;
import org.jllm.model.GgufWeights;
import org.jllm.model.LanguageModel;
import org.jllm.model.ModelConfig;
import org.jllm.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded model: the mapped file, its weights and its tokenizer. Immutable and thread-safe; open one
 * {@link Session} per concurrent conversation. Closing the model unmaps the file, after which its sessions fail.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf")); Session session = model.newSession()) {
 *     session.generate("Once upon a time", GenerationParams.greedy(64), (id, text) -> {
 *         System.out.print(text);
 *         return true;
 *     });
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Model.class);

    private final GgufFile file;
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    /** Owns the interleaved weight copies, if any. */
    private final Arena weights;

    private Model(GgufFile file, LanguageModel model, Tokenizer tokenizer, WorkerPool pool, Arena weights) {
        this.file = file;
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.weights = weights;
    }

    /** Maps a GGUF model file and builds its model and tokenizer; the file is not read into the heap. */
    public static Model load(Path path) throws IOException {
        return load(path, WorkerPool.defaultThreads(), WeightLayout.INTERLEAVED, defaultWeightCache());
    }

    /**
     * As {@link #load(Path, Kernels, int, WeightLayout, Path)} with the kernels {@link Kernels#get()} chooses, which
     * are set up (the first time in a JVM: ~0.15 s of Vector API classes) while the file is parsed.
     */
    public static Model load(Path path, int threads, WeightLayout layout, Path weightCache) throws IOException {
        return open(path, Kernels::get, threads, layout, weightCache);
    }

    /** As {@link #load(Path)}, computing with the given kernels (e.g. {@link Kernels#scalar()}). */
    public static Model load(Path path, Kernels kernels) throws IOException {
        return load(path, kernels, WorkerPool.defaultThreads());
    }

    /**
     * As {@link #load(Path, Kernels)}, splitting each matrix product over {@code threads} threads (the calling
     * thread and {@code threads - 1} workers the model owns until {@link #close()}).
     */
    public static Model load(Path path, Kernels kernels, int threads) throws IOException {
        return load(path, kernels, threads, WeightLayout.INTERLEAVED);
    }

    /**
     * As {@link #load(Path, Kernels, int)}, keeping the weights in {@code layout}; interleaved copies are cached
     * where {@link #defaultWeightCache()} says (by default nowhere).
     */
    public static Model load(Path path, Kernels kernels, int threads, WeightLayout layout) throws IOException {
        return load(path, kernels, threads, layout, defaultWeightCache());
    }

    /**
     * As {@link #load(Path, Kernels, int, WeightLayout)}, keeping the {@link WeightLayout#INTERLEAVED} copies in
     * {@code weightCache} between loads: the first load of a file writes them there (a file about the size of the
     * model's quantized matrices), later loads map them instead of copying every weight again. A byte-level BPE
     * tokenizer's merge table is kept there too (a few MB, shared by files with the same vocabulary). Null: no
     * cache. A cache that cannot be read or written is logged and skipped.
     */
    public static Model load(Path path, Kernels kernels, int threads, WeightLayout layout, Path weightCache)
            throws IOException {
        return open(path, () -> kernels, threads, layout, weightCache);
    }

    private static Model open(Path path, Callable<Kernels> kernelsChoice, int threads, WeightLayout layout,
                              Path weightCache) throws IOException {
        long start = System.nanoTime();
        // What a JVM does once, on threads of their own while the file is parsed: set up the Vector API kernels and
        // the first native call (for the file's page advice), ~0.15 s each the first time.
        FutureTask<Kernels> kernelsTask = new FutureTask<>(kernelsChoice);
        Thread.ofPlatform().name("jllm-load-kernels").daemon().start(kernelsTask);
        Thread.ofPlatform().name("jllm-load-native").daemon().start(HugePages::prepare);
        GgufFile file = GgufFile.open(path);
        Arena arena = Arena.ofShared();
        WorkerPool pool = null;
        // The tokenizer (a vocabulary and merges table of 100k+ entries) is built from the parsed metadata on its
        // own thread while this one prepares the weights and their kernels: about 0.4 s of a cold load overlapped.
        FutureTask<Tokenizer> tokenizerTask = new FutureTask<>(() -> GgufTokenizers.load(file, weightCache));
        Thread.ofPlatform().name("jllm-load-tokenizer").daemon().start(tokenizerTask);
        try {
            String arch = file.getString("general.architecture");
            Kernels kernels = result(kernelsTask);
            GgufWeights weights = new GgufWeights(file, kernels, layout == WeightLayout.INTERLEAVED ? arena : null);
            LanguageModel model = Architectures.forName(arch).build(weights);
            pool = WorkerPool.create(threads);
            weights.interleave(pool, weightCache);
            Tokenizer tokenizer = result(tokenizerTask);
            if (tokenizer.vocabulary().size() != model.config().vocabularySize()) {
                throw new org.jllm.model.ModelFormatException(path + ": the tokenizer has "
                        + tokenizer.vocabulary().size() + " tokens but the model's vocabulary has "
                        + model.config().vocabularySize());
            }
            LOG.debug("loaded {} ({}, {} kernels, {} threads) in {} ms", path, arch, kernels.name(), threads,
                    (System.nanoTime() - start) / 1_000_000);
            return new Model(file, model, tokenizer, pool, arena);
        } catch (IOException | RuntimeException e) {
            awaitQuietly(tokenizerTask); // it reads the file's metadata: done before the file is closed
            if (pool != null) {
                pool.close();
            }
            arena.close();
            file.close();
            throw e;
        }
    }

    /** The task's result, or the exception it threw. */
    private static <T> T result(FutureTask<T> task) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the load finishes; the interrupt is kept for the caller
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitQuietly(FutureTask<?> task) {
        try {
            result(task);
        } catch (IOException | RuntimeException | Error ignored) {
            // the load already failed for another reason, which is the one reported
        }
    }

    /** The weight cache directory {@code -Djllm.weight.cache=DIR} names; null when it is not set or "none". */
    public static Path defaultWeightCache() {
        String dir = System.getProperty("jllm.weight.cache");
        return dir == null || dir.isBlank() || dir.equals("none") ? null : Path.of(dir);
    }

    public ModelConfig config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The underlying GGUF file, for metadata look-ups. */
    public GgufFile file() {
        return file;
    }

    LanguageModel languageModel() {
        return model;
    }

    WorkerPool pool() {
        return pool;
    }

    /** Threads each matrix product is split over. */
    public int threads() {
        return pool.threads();
    }

    /** A session with the model's full context length. */
    public Session newSession() {
        return newSession(model.config().contextLength());
    }

    /** A session whose F32 K/V cache holds {@code contextLength} positions. */
    public Session newSession(int contextLength) {
        return newSession(contextLength, KvCacheType.F32);
    }

    /** A session whose K/V cache holds {@code contextLength} positions in {@code kvType}. */
    public Session newSession(int contextLength, KvCacheType kvType) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be > 0, got " + contextLength);
        }
        ModelConfig c = model.config();
        long kvBytes = org.jllm.runtime.KvCache.bytes(kvType, c.blockCount(), contextLength, c.kvDim());
        long heap = Runtime.getRuntime().maxMemory();
        if (kvBytes > heap / 2) {
            throw new IllegalArgumentException(String.format("a context of %d positions needs %d MiB of %s K/V "
                    + "cache, more than half of the %d MiB heap: use a shorter context, an F16 cache or a larger -Xmx",
                    contextLength, kvBytes >> 20, kvType, heap >> 20));
        }
        return new Session(this, contextLength, kvType);
    }

    @Override
    public void close() {
        pool.close();
        weights.close();
        file.close();
    }
}
