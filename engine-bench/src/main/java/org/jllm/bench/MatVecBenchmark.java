package org.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;
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
 * Single-thread matrix-vector throughput per weight type, next to the plain read bandwidth of a segment of the same
 * size ({@link #readBaseline}): weight bytes / time of a matVec over bytes / time of the read is the fraction of the
 * memory roofline a kernel reaches. Quantized types run on both paths ({@code path}): the integer kernels and the
 * float path of {@link org.jllm.kernels.DequantizingKernel}, and where the kernels have one, "interleaved": the
 * {@link RowInterleavedKernel} on a copy made in the setup (every quantized type; the float
 * types fall back to their kernel).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class MatVecBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K",
            "Q6_K", "IQ4_XS"})
    public String type;

    @Param({"512", "4096"})
    public int size;

    /**
     * Quantized types: "integer" (8-bit activations, llama.cpp's way), "float" (rows dequantized to floats) or
     * "interleaved" (the integer path on rows interleaved at load, where the kernels have that layout).
     */
    @Param({"integer", "float", "interleaved"})
    public String path;

    private Arena arena;
    private MemorySegment weights;
    private WeightKernel kernel;
    private float[] x;
    private Activations prepared;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = GgmlType.valueOf(type);
        kernel = "float".equals(path) && t.isQuantized() ? Kernels.get().floatPath(t) : Kernels.get().weights(t);
        arena = Arena.ofShared();
        Random r = new Random(1);
        weights = RandomWeights.matrix(arena, t, size, size, r);
        RowInterleavedKernel interleaved = Kernels.get().rowInterleaved(t);
        if ("interleaved".equals(path) && interleaved != null && size % interleaved.rowsPerGroup() == 0) {
            MemorySegment copy = arena.allocate(interleaved.interleavedBytes(size, size), 64);
            interleaved.interleave(weights, size, copy, 0, size / interleaved.rowsPerGroup());
            weights = copy;
            kernel = interleaved;
        }
        x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextGaussian();
        }
        prepared = new Activations();
        out = new float[size];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matVec() {
        kernel.prepareInput(x, size, prepared);
        kernel.matVec(weights, size, prepared, out, 0, size);
        return out;
    }

    /** Sums the same bytes as 64-byte vectors: the single-thread read bandwidth the kernels are measured against. */
    @Benchmark
    public float readBaseline() {
        return sum(weights);
    }

    /** The segment's bytes summed as 64-byte float vectors: a plain read of every byte. */
    static float sum(MemorySegment segment) {
        var s = FloatVector.SPECIES_512;
        FloatVector acc = FloatVector.zero(s);
        long bytes = segment.byteSize();
        for (long off = 0; off + 64 <= bytes; off += 64) {
            acc = FloatVector.fromMemorySegment(s, segment, off, ByteOrder.LITTLE_ENDIAN).add(acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
