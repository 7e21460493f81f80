package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufTensorInfo;
import org.jllm.kernels.Activations;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.kernels.WeightKernel;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every 2-D tensor of the reference models, in every computed type: the Vector API kernels (stored layout and 32-row
 * interleaved) against the scalar reference on the real weights: rows dequantized to the same floats, products within
 * float rounding of the scalar ones (the integer paths sum the same exact block integers; only the float
 * accumulation order of the block results differs). Random blocks are {@code KernelsAgreementTest}'s.
 */
@Tag("reference")
class RealTensorKernelsTest {

    /** synth-llama-256 in every type it comes in, and tinystories-656k for the types synth-llama-256 lacks. */
    static Stream<String> models() {
        Stream<String> synth = Stream.of("f32", "f16", "bf16", "q8_0", "q4_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k",
                "q4_k_m", "iq4_nl", "iq4_xs").map(t -> "models/synthetic/synth-llama-256-" + t + ".gguf");
        Stream<String> tinyStories = Stream.of("q4_1", "q5_0", "q5_1")
                .map(t -> "models/tinystories-656k/gguf/tinystories-656k-" + t + ".gguf");
        return Stream.concat(synth, tinyStories);
    }

    @ParameterizedTest
    @MethodSource("models")
    void vectorKernelsMatchTheScalarReferenceOnRealTensors(String model) throws Exception {
        assumeTrue(Kernels.vectorApiAvailable(), "skipped: this JVM runs without jdk.incubator.vector");
        Path file = TestData.sharedFile(model);
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        try (GgufFile f = GgufFile.open(file); Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo t : f.tensors()) {
                if (t.shape().length != 2 || !Kernels.scalar().supports(t.type())) {
                    continue;
                }
                check(f, t, arena);
                seen.add(t.type());
            }
        }
        assertTrue(!seen.isEmpty(), model + ": no 2-D tensor checked");
    }

    private static void check(GgufFile f, GgufTensorInfo t, Arena arena) {
        int cols = (int) t.shape()[0];
        int rows = (int) t.shape()[1];
        GgmlType type = t.type();
        MemorySegment w = f.data(t);
        String what = f.path().getFileName() + " " + t.name() + " (" + type + ", " + rows + " x " + cols + ")";
        Random r = new Random(t.name().hashCode());
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) r.nextGaussian();
        }
        WeightKernel scalar = Kernels.scalar().weights(type);
        WeightKernel vector = Kernels.get().weights(type);
        float[] expected = matVec(scalar, w, cols, rows, x);
        float[] stored = matVec(vector, w, cols, rows, x);
        // Each row's products summed in absolute value: the scale that float rounding is relative to.
        double[] scale = new double[rows];
        float[] row = new float[cols];
        float[] vectorRow = new float[cols];
        for (int i = 0; i < rows; i++) {
            scalar.dequantizeRow(w, cols, i, row, 0);
            vector.dequantizeRow(w, cols, i, vectorRow, 0);
            int at = i;
            assertArrayEquals(row, vectorRow, 0f, () -> what + ": row " + at + " dequantized");
            for (int c = 0; c < cols; c++) {
                scale[i] += Math.abs((double) row[c] * x[c]);
            }
        }
        // Float weights are summed value by value (F16/F32 keep the scalar bits row by row; BF16 within rounding);
        // quantized ones block by block from exact integer sums.
        double relative = type.isQuantized() ? 1e-6 : 1e-5;
        for (int i = 0; i < rows; i++) {
            assertEquals(expected[i], stored[i], scale[i] * relative + 1e-7, what + ": row " + i + ", stored layout");
        }
        RowInterleavedKernel interleaved = Kernels.get().rowInterleaved(type);
        if (interleaved != null && rows % interleaved.rowsPerGroup() == 0) {
            MemorySegment copy = arena.allocate(interleaved.interleavedBytes(rows, cols), 64);
            interleaved.interleave(w, cols, copy, 0, rows / interleaved.rowsPerGroup());
            float[] got = matVec(interleaved, copy, cols, rows, x);
            for (int i = 0; i < rows; i++) {
                assertEquals(expected[i], got[i], scale[i] * relative + 1e-7, what + ": row " + i + ", interleaved");
            }
        }
    }

    private static float[] matVec(WeightKernel k, MemorySegment w, int cols, int rows, float[] x) {
        Activations a = new Activations();
        k.prepareInput(x, cols, a);
        float[] out = new float[rows];
        k.matVec(w, cols, a, out, 0, rows);
        return out;
    }
}
