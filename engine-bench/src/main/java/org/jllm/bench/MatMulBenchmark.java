package org.jllm.bench;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.model.Linear;
import org.jllm.model.MatMuls;
import org.jllm.runtime.WorkerPool;
import org.jllm.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread matrix-matrix product of a block of tokens (the prompt path, {@link MatMuls}) per weight type:
 * {@code rows x cols} weights times {@code tokens} activation vectors. GFLOP/s = 2 rows cols tokens / time; the
 * machine's peak is cores x 2 FMA units x 16 lanes x 2 flops x clock.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class MatMulBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K",
            "Q6_K", "IQ4_XS"})
    public String type;

    @Param({"2048"})
    public int rows;

    @Param({"2048"})
    public int cols;

    /** The engine's prompt block. */
    @Param({"128"})
    public int tokens;

    private Arena arena;
    private WorkerPool pool;
    private MatMuls matMuls;
    private Linear weights;
    private float[][] x;
    private float[][] out;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        arena = Arena.ofShared();
        Random r = new Random(1);
        Tensor w = new Tensor("w", t, new long[] {cols, rows}, RandomWeights.matrix(arena, t, rows, cols, r));
        weights = new Linear(w, Kernels.get());
        pool = WorkerPool.create(1);
        matMuls = new MatMuls(pool, Kernels.get().floatOps());
        x = new float[tokens][cols];
        for (float[] v : x) {
            for (int i = 0; i < cols; i++) {
                v[i] = (float) r.nextGaussian();
            }
        }
        out = new float[tokens][rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[][] matMul() {
        matMuls.apply(weights, x, tokens, out);
        return out;
    }
}
