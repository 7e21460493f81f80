package org.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;
import org.jllm.runtime.HugePages;
import org.jllm.runtime.WorkerPool;

/**
 * Matrix-vector speed per weight type (one thread unless asked) as a fraction of a plain read of the same bytes, the
 * two alternated round after round in one JVM so that the machine's minute-to-minute swings hit both: a ratio of one
 * run, where JMH's separate benchmarks ({@link MatVecBenchmark}) can land in different minutes. The kernel is the
 * interleaved one where the type has it (as the engine decodes), else the stored layout's.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp engine-bench/target/benchmarks.jar org.jllm.bench.MatVecRatio [ROWS COLS [TYPE ...]] [--threads T]</pre>
 * prints, per type, the median ratio of 7 rounds after a warm-up one (each ~4 GB of weights read by each side) and
 * its range, and what a call allocates if it does (a kernel whose vectors the JIT boxed). Several types are measured
 * one after the other, each in a JVM of its own. With {@code --threads T} (T > 1) both sides run on a
 * {@link WorkerPool} of T threads, the product split by rows as decoding splits it ({@code MatVecs}: chunks of about
 * 64 KiB of weights at multiples of 32 rows), the weights on 2 MiB pages where the JVM can have them, as the engine's
 * copies and weight cache are: the ratio that bounds generation's fraction of {@code jllm bench}'s roofline.
 *
 * <p>Two JVMs of the same build can differ by 1.5x on a compute-bound kernel when a shared machine's other tenant slows
 * the vCPU one of them runs on (a plain read hardly changes, so the ratio drops too): pin compared runs to one CPU
 * ({@code taskset -c 0}) and alternate them.
 */
public final class MatVecRatio {
    private static final int ROUNDS = 7;
    /** With threads: weights streamed per round of products, in copies of the matrix. */
    private static final long STREAM_BYTES = 512L << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private MatVecRatio() {
    }

    public static void main(String[] arguments) {
        List<String> list = new ArrayList<>(List.of(arguments));
        int threads = 1;
        int at = list.indexOf("--threads");
        if (at >= 0) {
            if (at + 1 >= list.size()) {
                throw new IllegalArgumentException("--threads needs a count");
            }
            threads = Integer.parseInt(list.get(at + 1));
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            list.subList(at, at + 2).clear();
        }
        String[] args = list.toArray(String[]::new);
        int rows = args.length >= 2 ? Integer.parseInt(args[0]) : 16384;
        int cols = args.length >= 2 ? Integer.parseInt(args[1]) : 8192;
        GgmlType[] types = args.length > 2
                ? Arrays.stream(args, 2, args.length).map(GgmlType::valueOf).toArray(GgmlType[]::new)
                : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K,
                        GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS};
        if (types.length == 1) {
            measure(types[0], rows, cols, threads);
            return;
        }
        // One JVM per type, as a model sees its kernels: measured in one JVM after the other types (whose kernels
        // share helpers and, for Q5_0 and Q5_1 or Q4_K and Q5_K, methods), Q5_0 gave 0.35 where alone it gives
        // 0.53-0.56.
        for (GgmlType t : types) {
            forked(rows, cols, t, threads);
        }
    }

    /** This class's main for one type, in a JVM started with this one's options. */
    private static void forked(int rows, int cols, GgmlType t, int threads) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MatVecRatio.class.getName(),
                Integer.toString(rows), Integer.toString(cols), t.name(), "--threads", Integer.toString(threads)));
        try {
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException(t + ": the forked JVM exited with " + exit);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void measure(GgmlType t, int rows, int cols, int threads) {
        try (Arena arena = Arena.ofShared(); WorkerPool pool = WorkerPool.create(threads)) {
            Random r = new Random(1);
            MemorySegment w = RandomWeights.matrix(arena, t, rows, cols, r);
            RowInterleavedKernel interleaved = Kernels.get().rowInterleaved(t);
            WeightKernel kernel = Kernels.get().weights(t);
            if (interleaved != null && rows % interleaved.rowsPerGroup() == 0) {
                MemorySegment copy = arena.allocate(interleaved.interleavedBytes(rows, cols), 64);
                interleaved.interleave(w, cols, copy, 0, rows / interleaved.rowsPerGroup());
                w = copy;
                kernel = interleaved;
            }
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) r.nextGaussian();
            }
            Activations prepared = new Activations();
            float[] out = new float[rows];
            kernel.prepareInput(x, cols, prepared);
            long bytes = w.byteSize();
            // With threads, copies on 2 MiB pages that together far exceed the caches, taken in turn as decoding
            // takes its matrices: one matrix of a model's shapes (18 MB for 8192 x 2048 Q8_0) would stay in L3.
            int n = threads > 1 ? (int) ((STREAM_BYTES + bytes - 1) / bytes) : 1;
            long stride = threads > 1 ? (bytes + 4095) & ~4095L : bytes;
            MemorySegment all = threads > 1 ? hugePages(arena, stride * n) : w;
            MemorySegment[] copies = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                copies[i] = all.asSlice(i * stride, bytes);
                if (threads > 1) {
                    copies[i].copyFrom(w);
                }
            }
            int[] current = new int[1];
            WeightKernel k = kernel;
            WorkerPool.RangeTask product = (from, to) -> k.matVec(copies[current[0]], cols, prepared, out, from, to);
            int grain = (int) Math.min(rows, (Math.max(1, 65536L * rows / bytes) + 31) & ~31);
            long total = all.byteSize();
            float[] sinks = new float[ReadBandwidth.chunks(all)];
            int reps = (int) Math.max(3, 4e9 / total);
            double[] ratios = new double[ROUNDS];
            double[] kernelGbs = new double[ROUNDS];
            float sink = 0;
            long allocated = 0;
            for (int round = -1; round < ROUNDS; round++) { // round -1: while the JIT compiles, not counted
                long a0 = THREADS.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    for (int c = 0; c < copies.length; c++) {
                        current[0] = c;
                        pool.forRange(rows, grain, product);
                    }
                }
                long t1 = System.nanoTime();
                allocated = THREADS.getCurrentThreadAllocatedBytes() - a0;
                for (int i = 0; i < reps; i++) {
                    ReadBandwidth.read(pool, all, sinks);
                }
                long t2 = System.nanoTime();
                if (round < 0) {
                    continue;
                }
                kernelGbs[round] = (double) bytes * n * reps / (t1 - t0);
                ratios[round] = (double) (t2 - t1) / (t1 - t0) * bytes * n / total;
            }
            double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            double[] gbs = kernelGbs.clone();
            Arrays.sort(gbs);
            for (float v : sinks) {
                sink += v;
            }
            long perCall = allocated / reps / n;
            System.out.printf(Locale.ROOT,
                    "%-7s %dx%d (%.0f MB)%s: matVec / read = %.2f (%.2f..%.2f), matVec %.1f GB/s%s%s%n",
                    t, rows, cols, bytes / 1e6, threads > 1 ? ", " + threads + " threads" : "", sorted[ROUNDS / 2],
                    sorted[0], sorted[ROUNDS - 1], gbs[ROUNDS / 2],
                    perCall > 0 ? ", allocating " + perCall + " B per call (vectors boxed)" : "",
                    sink == 1.5f ? " " : "");
        }
    }

    /** {@code bytes} on 2 MiB pages where this JVM can have them, else in {@code arena}'s memory. */
    private static MemorySegment hugePages(Arena arena, long bytes) {
        MemorySegment region = HugePages.allocate(arena, bytes);
        return region != null ? region.asSlice(0, bytes) : arena.allocate(bytes, 4096);
    }
}
