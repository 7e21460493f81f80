package org.jllm.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.bench.ReadBandwidth;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.runtime.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Prompt (pp) and generation (tg) tokens/s as llama-bench reports them, and "
        + "generation's fraction of the measured read-bandwidth roofline.")
final class BenchCommand extends Common implements Callable<Integer> {
    /** Warm-up rounds at most, before the measured ones. */
    private static final int MAX_WARM_UPS = 30;
    /** Warm-up time at most (a round that starts before this ends is finished). */
    private static final long MAX_WARM_UP_NANOS = 120_000_000_000L;

    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "128", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "64", description = "Generated tokens (default: ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--kv-cache", defaultValue = "F32",
            description = "K/V cache type: f32 or f16 (half the memory; llama.cpp's default) (default: f32).")
    org.jllm.KvCacheType kvCache;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", description = "Repetitions (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (reps < 1 || prompt < 0 || gen < 0) {
            throw new IllegalArgumentException("bench takes -r >= 1, -p >= 0 and -n >= 0; got -r " + reps + ", -p "
                    + prompt + ", -n " + gen);
        }
        HeapPeak heapPeak = new HeapPeak();
        long loadStart = System.nanoTime();
        try (Model m = loadModel(modelOrDefault(model))) {
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            int vocab = m.config().vocabularySize();
            int ctx = Math.min(m.config().contextLength(), prompt + gen + 1);
            long weightBytes = 0;
            long readPerToken = 0;
            boolean tied = m.file().findTensor("output.weight").isEmpty();
            for (GgufTensorInfo t : m.file().tensors()) {
                weightBytes += t.byteSize();
                boolean embedding = t.name().equals("token_embd.weight");
                if (t.dimensions() >= 2 && (!embedding || tied)) {
                    readPerToken += t.byteSize(); // every 2-D weight once per token (the embedding as tied output)
                }
            }
            // Warm-up rounds as measured ones (the prompt's length takes its own tile kernels) until the JIT has
            // compiled what they run: the prompt speed has stopped rising by more than 3 % (the largest kernels'
            // compilations finish a few rounds in on 2 cores) and the generated tokens allocate nothing. Vector code
            // run once a token (the output's activations in a Q4_0 file) reaches the optimizing compiler last; until
            // then its vectors are objects: a 1B Q4_0 model allocated 0.2-0.5 MB a token for ~300 tokens and
            // generated 4-7 % slower. At most 30 rounds or two minutes.
            long warmUpStart = System.nanoTime();
            double[] first = run(m, ctx, prompt, gen, vocab);
            double previous = first[0];
            boolean promptSettled = false;
            double[] last = first;
            int warmUps = 1;
            while (warmUps < MAX_WARM_UPS && System.nanoTime() - warmUpStart < MAX_WARM_UP_NANOS
                    && !(promptSettled && last[2] == 0)) {
                last = run(m, ctx, prompt, gen, vocab);
                warmUps++;
                promptSettled |= last[0] < previous * 1.03;
                previous = Math.max(previous, last[0]);
            }
            double[] pp = new double[reps];
            double[] tg = new double[reps];
            // The roofline between repetitions, each the best of three passes: the bandwidth this process gets on a
            // shared machine moves by half within a minute; the best of all is the machine's, the range shows the
            // noise the tokens/s were measured in.
            double[] bandwidths = new double[reps];
            long allocated = 0;
            long peakHeap;
            try (WorkerPool pool = WorkerPool.create(m.threads());
                 ReadBandwidth read = ReadBandwidth.allocate(1L << 30)) {
                for (int r = 0; r < reps; r++) {
                    double[] s = run(m, ctx, prompt, gen, vocab);
                    pp[r] = s[0];
                    tg[r] = s[1];
                    allocated += (long) s[2];
                    bandwidths[r] = read.measure(pool, 3);
                }
                peakHeap = heapPeak.bytes();
            }
            double bandwidth = Arrays.stream(bandwidths).max().orElse(0);
            double lowest = Arrays.stream(bandwidths).min().orElse(0);
            double tgMean = mean(tg);
            double roofline = tgMean * readPerToken / bandwidth;
            // Each repetition's generation against the read measured right after it, the median of those: on this
            // kind of shared machine the bandwidth a process gets swings by up to 2x between repetitions, and the
            // strict figure above pairs the mean speed with the quietest moment's read.
            double[] paired = new double[reps];
            for (int r = 0; r < reps; r++) {
                paired[r] = tg[r] * readPerToken / bandwidths[r];
            }
            Arrays.sort(paired);
            double pairedRoofline = reps % 2 == 1 ? paired[reps / 2] : (paired[reps / 2 - 1] + paired[reps / 2]) / 2;
            double allocatedPerToken = gen < 2 ? 0 : (double) allocated / ((long) (gen - 1) * reps);
            if (json) {
                System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"threads\": %d, \"n_prompt\": %d, \"n_gen\": %d, "
                                + "\"pp_tps\": %.3f, \"pp_std\": %.3f, \"tg_tps\": %.3f, \"tg_std\": %.3f, "
                                + "\"weight_bytes\": %d, \"bytes_per_token\": %d, \"read_bandwidth\": %.0f, "
                                + "\"read_bandwidth_lowest\": %.0f, "
                                + "\"roofline_fraction\": %.4f, \"roofline_fraction_paired\": %.4f, "
                                + "\"load_ms\": %.1f, \"peak_heap_bytes\": %d, "
                                + "\"kv_cache\": \"%s\", \"pp_first_tps\": %.3f, \"tg_first_tps\": %.3f, "
                                + "\"warm_up_rounds\": %d, \"tg_heap_bytes_per_token\": %.1f}%n",
                        modelOrDefault(model), m.threads(), prompt, gen, mean(pp), std(pp), tgMean, std(tg),
                        weightBytes, readPerToken, bandwidth, lowest, roofline, pairedRoofline, loadMs, peakHeap,
                        kvCache, first[0], first[1], warmUps, allocatedPerToken);
            } else {
                System.out.printf(Locale.ROOT, "model %s, %d threads, weights %.1f MiB, read per generated token "
                                + "%.1f MiB%n", modelOrDefault(model), m.threads(), weightBytes / 1048576.0,
                        readPerToken / 1048576.0);
                System.out.printf(Locale.ROOT, "pp%d  %8.2f ± %.2f tokens/s%n", prompt, mean(pp), std(pp));
                System.out.printf(Locale.ROOT, "tg%d  %8.2f ± %.2f tokens/s%n", gen, tgMean, std(tg));
                System.out.printf(Locale.ROOT, "read bandwidth (%d threads) %.1f GB/s, the best of %d measurements "
                        + "between repetitions (lowest %.1f); tg reads %.1f GB/s = %.0f %% of it%n", m.threads(),
                        bandwidth / 1e9, reps, lowest / 1e9, tgMean * readPerToken / 1e9, 100 * roofline);
                System.out.printf(Locale.ROOT, "each repetition's tg against the read measured after it: median %.0f %% "
                        + "(%.0f-%.0f %%)%n", 100 * pairedRoofline, 100 * paired[0], 100 * paired[reps - 1]);
                System.out.printf(Locale.ROOT, "load %.0f ms; peak Java heap %.1f MiB (%s K/V cache); Java heap "
                        + "allocated per generated token %.0f bytes%n", loadMs, peakHeap / 1048576.0, kvCache,
                        allocatedPerToken);
                System.out.printf(Locale.ROOT, "first round, while the JIT compiles: pp %.2f, tg %.2f tokens/s (%d "
                        + "warm-up rounds)%n", first[0], first[1], warmUps);
            }
        }
        return 0;
    }

    /**
     * One repetition: {prompt tokens/s, generated tokens/s, heap bytes allocated by generated tokens 2 to n}. Token
     * ids are fixed, not sampled. The allocation is this thread's and the model's workers' (decoding allocates nothing
     * once the JIT has compiled it; a kernel whose vectors the JIT boxed allocates megabytes per token).
     */
    private double[] run(Model m, int ctx, int prompt, int gen, int vocab) {
        try (Session s = m.newSession(ctx, kvCache)) {
            int[] ids = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                ids[i] = (i * 7919 + 1) % vocab;
            }
            long t0 = System.nanoTime();
            s.evaluate(ids); // one batch, as llama-bench's pp
            long t1 = System.nanoTime();
            // llama-bench's tg is a test of its own: tokens generated from an empty context, not after the prompt.
            s.reset();
            HeapAllocation allocation = new HeapAllocation();
            long t2 = System.nanoTime();
            for (int i = 0; i < gen; i++) {
                s.evaluate((i * 104729 + 3) % vocab);
                if (i == 0) {
                    allocation.start(); // the first token sizes the session's one-token buffers
                }
            }
            long t3 = System.nanoTime();
            long allocated = gen > 1 ? allocation.bytes() : 0;
            return new double[] {prompt / ((t1 - t0) / 1e9), gen / ((t3 - t2) / 1e9), allocated};
        }
    }

    /**
     * The most Java heap in use at any point so far: heap use peaks just before a collection, so the largest total
     * "used before GC" over the collections a listener saw, or the current use if that is larger. (The pools' own peak
     * usages peak at different times, and their sum overstates it.)
     */
    private static final class HeapPeak implements javax.management.NotificationListener {
        /** The heap's pools (the non-heap ones, metaspace and code cache, hold no Java objects). */
        private final java.util.List<String> heapPools = java.lang.management.ManagementFactory
                .getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .map(java.lang.management.MemoryPoolMXBean::getName).toList();
        private long peak;

        HeapPeak() {
            for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).addNotificationListener(this, null, null);
            }
        }

        @Override
        public synchronized void handleNotification(javax.management.Notification n, Object handback) {
            String type = com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION;
            if (!type.equals(n.getType())) {
                return;
            }
            var before = com.sun.management.GarbageCollectionNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) n.getUserData()).getGcInfo().getMemoryUsageBeforeGc();
            long used = 0;
            for (String pool : heapPools) {
                var usage = before.get(pool);
                used += usage == null ? 0 : usage.getUsed();
            }
            peak = Math.max(peak, used);
        }

        synchronized long bytes() {
            return Math.max(peak,
                    java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
    }

    /**
     * Java heap allocated from {@link #start} on by this thread and the worker threads (named jllm-worker-), which
     * run a token's matrix products. Reading another thread's counter allocates on this one, so this thread's counter
     * is read after the workers' at the start and before them at the end.
     */
    private static final class HeapAllocation {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        private final long[] workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("jllm-worker-")).mapToLong(Thread::threadId).toArray();
        private long workersAtStart;
        private long ownAtStart;

        void start() {
            workersAtStart = workers();
            ownAtStart = THREADS.getCurrentThreadAllocatedBytes();
        }

        long bytes() {
            long own = THREADS.getCurrentThreadAllocatedBytes() - ownAtStart;
            return own + workers() - workersAtStart;
        }

        private long workers() {
            long sum = 0;
            for (long id : workers) {
                sum += Math.max(0, THREADS.getThreadAllocatedBytes(id));
            }
            return sum;
        }
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    private static double std(double[] v) {
        double m = mean(v);
        return v.length < 2 ? 0 : Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }
}
