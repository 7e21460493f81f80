package org.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.Numbers;
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
 * float path of {@link org.jllm.kernels.DequantizingKernel}.
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

    /** Quantized types: "integer" (8-bit activations, llama.cpp's way) or "float" (rows dequantized to floats). */
    @Param({"integer", "float"})
    public String path;

    /** Byte offsets of the F16 scale fields inside one block, per type (default: d at 0). */
    private static final java.util.Map<GgmlType, int[]> SCALE_FIELDS = java.util.Map.of(
            GgmlType.Q4_1, new int[] {0, 2}, GgmlType.Q5_1, new int[] {0, 2}, GgmlType.Q2_K, new int[] {80, 82},
            GgmlType.Q3_K, new int[] {108}, GgmlType.Q4_K, new int[] {0, 2}, GgmlType.Q5_K, new int[] {0, 2},
            GgmlType.Q6_K, new int[] {208});

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
        long n = (long) size * size;
        weights = arena.allocate(t.bytesFor(n), 64);
        Random r = new Random(1);
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (t.isQuantized()) {
            // Random bits, then every F16 scale field set to a normal value (random halves can be NaN or subnormal).
            byte[] block = new byte[t.bytesPerBlock()];
            for (long b = 0; b < n / t.blockSize(); b++) {
                r.nextBytes(block);
                MemorySegment.copy(block, 0, weights, ValueLayout.JAVA_BYTE, b * block.length, block.length);
                for (int at : SCALE_FIELDS.getOrDefault(t, new int[] {0})) {
                    weights.set(i16, b * block.length + at, Numbers.floatToF16((float) (0.01 * r.nextDouble() + 1e-3)));
                }
            }
        } else {
            for (long i = 0; i < n; i++) {
                float v = (float) r.nextGaussian();
                switch (t) {
                    case F32 -> weights.set(f32, 4 * i, v);
                    case F16 -> weights.set(i16, 2 * i, Numbers.floatToF16(v));
                    default -> weights.set(i16, 2 * i, Numbers.floatToBf16(v));
                }
            }
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
        var s = FloatVector.SPECIES_512;
        FloatVector acc = FloatVector.zero(s);
        long bytes = weights.byteSize();
        for (long off = 0; off + 64 <= bytes; off += 64) {
            acc = acc.add(FloatVector.fromMemorySegment(s, weights, off, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
