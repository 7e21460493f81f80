package org.jllm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.stream.Stream;
import org.jllm.kernels.quant.IQ4_NLx32Kernel;
import org.jllm.kernels.quant.IQ4_XSx32Kernel;
import org.jllm.kernels.quant.Q2_Kx32Kernel;
import org.jllm.kernels.quant.Q3_Kx32Kernel;
import org.jllm.kernels.quant.Q4_0x32Kernel;
import org.jllm.kernels.quant.Q4_1x32Kernel;
import org.jllm.kernels.quant.Q4_Kx32Kernel;
import org.jllm.kernels.quant.Q5_0x32Kernel;
import org.jllm.kernels.quant.Q5_1x32Kernel;
import org.jllm.kernels.quant.Q5_Kx32Kernel;
import org.jllm.kernels.quant.Q6_Kx32Kernel;
import org.jllm.kernels.quant.Q8_0x32Kernel;
import org.jllm.kernels.quant.RowGroupKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layouts of 32 interleaved rows (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K-Q6_K, IQ4_XS): the same rows and products as the stored layout,
 * and the vector kernels' bits.
 */
class RowInterleavedKernelTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int ROWS = 96;

    static RowGroupKernel scalar(GgmlType type) {
        return switch (type) {
            case Q8_0 -> new Q8_0x32Kernel();
            case Q4_0 -> new Q4_0x32Kernel();
            case Q2_K -> new Q2_Kx32Kernel();
            case Q3_K -> new Q3_Kx32Kernel();
            case Q4_K -> new Q4_Kx32Kernel();
            case Q5_K -> new Q5_Kx32Kernel();
            case Q6_K -> new Q6_Kx32Kernel();
            case IQ4_XS -> new IQ4_XSx32Kernel();
            case IQ4_NL -> new IQ4_NLx32Kernel();
            case Q5_0 -> new Q5_0x32Kernel();
            case Q4_1 -> new Q4_1x32Kernel();
            case Q5_1 -> new Q5_1x32Kernel();
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static Stream<Arguments> typesAndWidths() {
        return Stream.of(
                Arguments.of(GgmlType.Q8_0, 32), Arguments.of(GgmlType.Q8_0, 96), Arguments.of(GgmlType.Q8_0, 2048),
                Arguments.of(GgmlType.Q4_0, 32), Arguments.of(GgmlType.Q4_0, 96), Arguments.of(GgmlType.Q4_0, 2048),
                Arguments.of(GgmlType.Q4_K, 256), Arguments.of(GgmlType.Q4_K, 768), Arguments.of(GgmlType.Q4_K, 2048),
                Arguments.of(GgmlType.Q5_K, 256), Arguments.of(GgmlType.Q5_K, 768), Arguments.of(GgmlType.Q5_K, 2048),
                Arguments.of(GgmlType.Q6_K, 256), Arguments.of(GgmlType.Q6_K, 768), Arguments.of(GgmlType.Q6_K, 2048),
                Arguments.of(GgmlType.IQ4_XS, 256), Arguments.of(GgmlType.IQ4_XS, 2048),
                Arguments.of(GgmlType.Q3_K, 256), Arguments.of(GgmlType.Q3_K, 768), Arguments.of(GgmlType.Q3_K, 2048),
                Arguments.of(GgmlType.Q2_K, 256), Arguments.of(GgmlType.Q2_K, 2048),
                Arguments.of(GgmlType.IQ4_NL, 32), Arguments.of(GgmlType.IQ4_NL, 2048),
                Arguments.of(GgmlType.Q5_0, 32), Arguments.of(GgmlType.Q5_0, 96), Arguments.of(GgmlType.Q5_0, 2048),
                Arguments.of(GgmlType.Q4_1, 32), Arguments.of(GgmlType.Q4_1, 96), Arguments.of(GgmlType.Q4_1, 2048),
                Arguments.of(GgmlType.Q5_1, 32), Arguments.of(GgmlType.Q5_1, 96), Arguments.of(GgmlType.Q5_1, 2048));
    }

    /**
     * Random rows, some blocks with F16 scales the conversion must get right: signs, zeros, subnormals, the largest
     * finite values; K-quants' 6-bit and int8 sub-block scales take every value.
     */
    static MemorySegment weights(GgmlType type, Random r, int rows, int cols) {
        MemorySegment w = KernelsAgreementTest.randomWeights(r, type, rows, cols);
        int[] fields = type == GgmlType.Q4_0 || type == GgmlType.Q8_0 || type == GgmlType.IQ4_NL
                || type == GgmlType.Q5_0 ? new int[] {0}
                : type == GgmlType.Q4_1 || type == GgmlType.Q5_1 ? new int[] {0, 2}
                : KernelsAgreementTest.K_SCALE_FIELDS.get(type);
        int bb = type.bytesPerBlock();
        long blocks = w.byteSize() / bb;
        short[] special = {(short) 0x8000, 0, 0x0001, (short) 0x83ff, 0x03ff, (short) 0xa000, 0x7bff, (short) 0xfbff};
        for (int i = 0; i < special.length; i++) {
            w.set(I16, bb * (i * 7L % blocks) + fields[i % fields.length], special[i]);
        }
        for (long b = special.length; b < blocks; b += 3) {
            w.set(I16, bb * b + fields[0], (short) (w.get(I16, bb * b + fields[0]) | 0x8000));
        }
        return w;
    }

    static MemorySegment interleaved(RowInterleavedKernel k, MemorySegment w, int rows, int cols) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) k.interleavedBytes(rows, cols)]);
        // In two ranges of groups, as two threads would.
        int groups = rows / k.rowsPerGroup();
        k.interleave(w, cols, out, 0, groups / 2);
        k.interleave(w, cols, out, groups / 2, groups);
        return out;
    }

    @ParameterizedTest
    @MethodSource("typesAndWidths")
    void interleavedRowsDequantizeToTheStoredRows(GgmlType type, int cols) {
        RowGroupKernel scalar = scalar(type);
        MemorySegment w = weights(type, new Random(cols), ROWS, cols);
        MemorySegment iw = interleaved(scalar, w, ROWS, cols);
        WeightKernel plain = Kernels.scalar().weights(type);
        float[] expected = new float[cols];
        float[] actual = new float[cols];
        for (int row = 0; row < ROWS; row++) {
            plain.dequantizeRow(w, cols, row, expected, 0);
            scalar.dequantizeRow(iw, cols, row, actual, 0);
            assertArrayEquals(expected, actual, 0f, type + " row " + row);
        }
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(type);
        if (vector != null) {
            assertEquals(-1L, iw.mismatch(interleaved(vector, w, ROWS, cols)),
                    "the vector kernel's interleaving writes the same bytes");
        }
    }

    /**
     * Prompt blocks of Q4_0 on integers ({@link FloatOps#matMulInt16Tile}, rows from {@link WeightKernel#int16Row},
     * tokens packed by {@link WeightKernel#int16Input} as prepareInput quantizes them)
     * give each token the interleaved kernel's matVec bits, on both paths, for tiles of 16 rows and of 12 and 6 (not
     * a multiple of 4: the vector path hands it to the scalar reference), token counts that fill, half-fill or leave
     * a tail of the 64-token passes.
     */
    @ParameterizedTest
    @MethodSource("q4_0Widths")
    void int16TilesGiveTheInterleavedProducts(int cols) {
        GgmlType type = GgmlType.Q4_0;
        Random r = new Random(cols + 3);
        MemorySegment w = weights(type, r, ROWS, cols);
        RowGroupKernel scalar = scalar(type);
        MemorySegment iw = interleaved(scalar, w, ROWS, cols);
        int blocks = cols / 32;
        for (int n : new int[] {1, 5, 33, 64, 70, 128}) {
            float[][] x = new float[n][];
            float[][] expected = new float[n][ROWS];
            Activations a = new Activations();
            for (int t = 0; t < n; t++) {
                x[t] = KernelsAgreementTest.random(r, cols);
                scalar.prepareInput(x[t], cols, a);
                scalar.matVec(iw, cols, a, expected[t], 0, ROWS);
            }
            int nPad = FloatOps.int16Padded(n);
            short[] packed = new short[nPad * cols];
            float[] packedScales = new float[nPad * blocks];
            for (int t = 0; t < n; t++) {
                Kernels.scalar().weights(type).prepareInput(x[t], cols, a);
                for (int c = 0; c < cols; c++) {
                    packed[c * nPad + t] = a.shorts()[c];
                }
                for (int b = 0; b < blocks; b++) {
                    packedScales[b * nPad + t] = a.scales()[b];
                }
            }
            for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.get()}) {
                WeightKernel kernel = k.weights(type);
                if (!kernel.hasInt16Blocks()) {
                    // Vectors narrower than 256 bits: prompts take float tiles.
                    assertEquals(null, Kernels.get().rowInterleaved(type));
                    continue;
                }
                short[] q = new short[packed.length];
                float[] d = new float[packedScales.length];
                // In two ranges, as two threads would.
                int half = n > 32 ? 32 : n;
                kernel.int16Input(x, 0, half, cols, q, d, nPad);
                kernel.int16Input(x, half, n, cols, q, d, nPad);
                assertArrayEquals(packed, q, "int16Input packs prepareInput's values");
                assertArrayEquals(packedScales, d, "and its scales");
                for (int[] tile : new int[][] {{0, 16}, {16, 28}, {90, 96}}) {
                    int m = tile[1] - tile[0];
                    int[] pairs = new int[m * cols];
                    float[] scales = new float[m * blocks];
                    for (int j = 0; j < m; j++) {
                        kernel.int16Row(w, cols, tile[0] + j, pairs, j * cols, scales, j * blocks);
                    }
                    float[] out = new float[m * n];
                    k.floatOps().matMulInt16Tile(pairs, scales, m, cols, packed, packedScales, n, out);
                    for (int t = 0; t < n; t++) {
                        for (int j = 0; j < m; j++) {
                            assertEquals(expected[t][tile[0] + j], out[j * n + t], 0f,
                                    k.name() + " cols " + cols + " tokens " + n + " row " + (tile[0] + j) + " token " + t);
                        }
                    }
                }
            }
        }
    }

    static Stream<Integer> q4_0Widths() {
        return Stream.of(32, 96, 2048);
    }

    @Test
    void layoutsPutEachRowInItsLane() {
        // Q4_0: row 33's scale and packed byte 5 of block 0 (group 1, lane 1).
        int cols = 64;
        MemorySegment w = weights(GgmlType.Q4_0, new Random(5), ROWS, cols);
        MemorySegment iw = interleaved(scalar(GgmlType.Q4_0), w, ROWS, cols);
        long group1 = (long) cols / 32 * Q4_0x32Kernel.GROUP_BLOCK_BYTES;
        assertEquals(w.get(I16, 33L * cols / 32 * 18), iw.get(I16, group1 + 2));
        assertEquals(w.get(ValueLayout.JAVA_BYTE, 33L * cols / 32 * 18 + 2 + 5),
                iw.get(ValueLayout.JAVA_BYTE, group1 + Q4_0x32Kernel.VALUES_AT + 32 * 5 + 1));
        // Q4_1: row 33's minimum and packed byte 5 of block 0 (group 1, row 1: byte lane 2).
        MemorySegment w41 = weights(GgmlType.Q4_1, new Random(8), ROWS, cols);
        MemorySegment iw41 = interleaved(scalar(GgmlType.Q4_1), w41, ROWS, cols);
        long g41 = (long) cols / 32 * Q4_1x32Kernel.GROUP_BLOCK_BYTES;
        assertEquals(w41.get(I16, 33L * cols / 32 * 20 + 2), iw41.get(I16, g41 + Q4_1x32Kernel.MINIMUMS_AT + 2));
        assertEquals(w41.get(ValueLayout.JAVA_BYTE, 33L * cols / 32 * 20 + 4 + 5),
                iw41.get(ValueLayout.JAVA_BYTE, g41 + Q4_1x32Kernel.VALUES_AT + 32 * 5 + 2));
        // Q4_K: row 34's dmin, the low 6 bits of its scale byte 5 (minimum 1) and value byte 70 (chunk 2, byte 6),
        // in byte lane 4 (rows 0-15 of a group in the even lanes); row 50's byte 70 in lane 5.
        MemorySegment k4 = weights(GgmlType.Q4_K, new Random(6), ROWS, 256);
        MemorySegment ik4 = interleaved(scalar(GgmlType.Q4_K), k4, ROWS, 256);
        long g4 = Q4_Kx32Kernel.GROUP_BLOCK_BYTES;
        assertEquals(k4.get(I16, 34L * 144 + 2), ik4.get(I16, g4 + Q4_Kx32Kernel.DMIN_AT + 4));
        assertEquals(k4.get(ValueLayout.JAVA_BYTE, 34L * 144 + 4 + 5) & 63,
                ik4.get(ValueLayout.JAVA_BYTE, g4 + Q4_Kx32Kernel.MINS_AT + 32 + 2));
        assertEquals(k4.get(ValueLayout.JAVA_BYTE, 34L * 144 + 16 + 70),
                ik4.get(ValueLayout.JAVA_BYTE, g4 + Q4_Kx32Kernel.VALUES_AT + 32 * 70 + 4));
        assertEquals(k4.get(ValueLayout.JAVA_BYTE, 50L * 144 + 16 + 70),
                ik4.get(ValueLayout.JAVA_BYTE, g4 + Q4_Kx32Kernel.VALUES_AT + 32 * 70 + 5));
        // Q6_K: row 35's d, int8 scale 9 and value 70 (low nibble of ql byte 6, bits 4-5 of qh byte 6), re-encoded
        // centred as e6 of unit 8: its low nibble in word A, its top two bits in word B (int16 lane 6).
        MemorySegment k6 = weights(GgmlType.Q6_K, new Random(7), ROWS, 256);
        MemorySegment ik6 = interleaved(scalar(GgmlType.Q6_K), k6, ROWS, 256);
        long g6 = Q6_Kx32Kernel.GROUP_BLOCK_BYTES;
        assertEquals(k6.get(I16, 35L * 210 + 208), ik6.get(I16, g6 + 6));
        assertEquals(k6.get(ValueLayout.JAVA_BYTE, 35L * 210 + 192 + 9),
                ik6.get(ValueLayout.JAVA_BYTE, g6 + Q6_Kx32Kernel.scaleAt(9) + 3));
        int q70 = (k6.get(ValueLayout.JAVA_BYTE, 35L * 210 + 6) & 0xff) >>> 4
                | ((k6.get(ValueLayout.JAVA_BYTE, 35L * 210 + 128 + 6) & 0xff) >>> 4 & 3) << 4;
        long unit8 = g6 + Q6_Kx32Kernel.unitAt(8) + 2 * 6;
        assertEquals((q70 - 32) & 15, ik6.get(I16, unit8) & 15);
        assertEquals(((q70 - 32) & 63) >> 4, ik6.get(I16, unit8 + Q6_Kx32Kernel.WORD_BYTES) & 3);
        // In reading order: d; then per 32 columns the scales of their two groups of 16 and four units of 3 words.
        assertEquals(64 + 4 * 832 + 32, Q6_Kx32Kernel.scaleAt(9));
        assertEquals(64 + 2 * 832 + 64, Q6_Kx32Kernel.unitAt(8));
        assertEquals(Q6_Kx32Kernel.GROUP_BLOCK_BYTES, Q6_Kx32Kernel.unitAt(31) + Q6_Kx32Kernel.UNIT_BYTES);
        assertEquals(ROWS * 148L, scalar(GgmlType.Q4_K).interleavedBytes(ROWS, 256), "scales unpacked to bytes");
    }

    @ParameterizedTest
    @MethodSource("typesAndWidths")
    void productsAreTheStoredLayoutsBlockSumsAndTheVectorKernelsBits(GgmlType type, int cols) {
        RowGroupKernel scalar = scalar(type);
        Random r = new Random(cols + 1);
        MemorySegment w = weights(type, r, ROWS, cols);
        MemorySegment iw = interleaved(scalar, w, ROWS, cols);
        float[] x = KernelsAgreementTest.random(r, cols);
        Activations a = new Activations();
        scalar.prepareInput(x, cols, a);
        float[] stored = new float[ROWS];
        Kernels.scalar().weights(type).matVec(w, cols, a, stored, 0, ROWS);
        float[] products = new float[ROWS];
        scalar.matVec(iw, cols, a, products, 0, ROWS);
        float[] row = new float[cols];
        for (int i = 0; i < ROWS; i++) {
            Kernels.scalar().weights(type).dequantizeRow(w, cols, i, row, 0);
            double scale = KernelsAgreementTest.Exact.of(row, x, cols).scale();
            // The same exact integer sums and scales, accumulated in another float order.
            assertEquals(stored[i], products[i], scale * 1e-6, type + " row " + i);
        }
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(type);
        if (vector != null) {
            Activations va = new Activations();
            vector.prepareInput(x, cols, va);
            float[] vp = new float[ROWS];
            vector.matVec(iw, cols, va, vp, 32, ROWS);
            vector.matVec(iw, cols, va, vp, 0, 32);
            assertArrayEquals(products, vp, 0f, "the vector kernel gives the scalar kernel's bits");
        }
    }

    /**
     * The vector kernels quantize their input with the scalar kernels' bits (Q8_0 blocks for the 32-value types, Q8_K
     * super-blocks for the rest): values, scales, sums and group sums, through a zero (super-)block, ties (x times
     * the inverse scale exactly k + 1/2), huge and subnormal values, and for Q8_K a NaN and a largest magnitude that
     * occurs with both signs (the first one sets the scale's sign).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class,
            names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void vectorKernelsQuantizeTheirInputAsTheScalarOnes(GgmlType type) {
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(type);
        if (vector == null) {
            return; // no 512-bit kernels on this machine
        }
        int cols = 2048;
        float[] x = KernelsAgreementTest.random(new Random(11), cols);
        java.util.Arrays.fill(x, cols - 256, cols, 0f);
        float[] ties = {127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f, 63.5f, -127f};
        System.arraycopy(ties, 0, x, 32, ties.length);
        for (int i = 0; i < 32; i++) {
            x[320 + i] = (i % 2 == 0 ? 1 : -1) * 3e38f / (i + 1);
            x[608 + i] = (i % 3 == 0 ? 1 : -1) * Float.MIN_VALUE * (i + 1);
        }
        for (int i = 1024; i < 1280; i++) {
            x[i] = (i % 5 == 0 ? 1 : -1) * Float.MIN_VALUE * (i % 7); // a super-block of subnormals and zeros
        }
        boolean superBlocks = type.blockSize() == 256;
        if (superBlocks) {
            x[cols - 300] = Float.NaN;
        }
        Activations expected = new Activations();
        scalar(type).prepareInput(x, cols, expected);
        Activations actual = new Activations();
        vector.prepareInput(x, cols, actual);
        int blocks = cols / type.blockSize();
        int sums = superBlocks ? cols / 16 : blocks;
        assertArrayEquals(java.util.Arrays.copyOf(expected.shorts(), cols), java.util.Arrays.copyOf(actual.shorts(),
                cols), type + " values");
        assertArrayEquals(java.util.Arrays.copyOf(expected.scales(), blocks),
                java.util.Arrays.copyOf(actual.scales(), blocks), 0f, type + " scales");
        assertArrayEquals(java.util.Arrays.copyOf(expected.sums(), sums),
                java.util.Arrays.copyOf(actual.sums(), sums), 0f, type + " sums");
        if (superBlocks || type == GgmlType.Q4_0 || type == GgmlType.Q5_1) {
            assertArrayEquals(java.util.Arrays.copyOf(expected.groupSums(), sums),
                    java.util.Arrays.copyOf(actual.groupSums(), sums), type + " group sums");
        }
    }

    /** The int16 accumulators' worst case: every weight and activation at the end of its range. */
    @ParameterizedTest
    @MethodSource("typesAndWidths")
    void extremeValuesDoNotOverflowTheVectorKernels(GgmlType type, int cols) {
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(type);
        if (vector == null) {
            return;
        }
        MemorySegment w = weights(type, new Random(cols + 2), ROWS, cols);
        int bb = type.bytesPerBlock();
        for (long b = 0; b < w.byteSize() / bb; b++) {
            switch (type) {
                case Q8_0 -> w.asSlice(bb * b + 2, 32).fill((byte) 0x80); // -128, which files may hold
                case Q4_0 -> w.asSlice(bb * b + 2, 16).fill((byte) 0xff); // every value 15 - 8 = 7
                case IQ4_NL -> w.asSlice(bb * b + 2, 16).fill((byte) 0); // every level -127
                case Q5_0 -> w.asSlice(bb * b + 2, 20).fill((byte) 0); // every value 0 - 16 = -16
                case Q4_1 -> w.asSlice(bb * b + 4, 16).fill((byte) 0xff); // every value 15
                case Q5_1 -> w.asSlice(bb * b + 4, 20).fill((byte) 0xff); // every value 31
                case Q4_K -> w.asSlice(bb * b + 4, 140).fill((byte) 0xff); // scales 63, values 15
                case Q5_K -> w.asSlice(bb * b + 4, 172).fill((byte) 0xff); // scales 63, values 31
                case Q6_K -> w.asSlice(bb * b, 192).fill((byte) 0); // every value 0 - 32 = -32
                case IQ4_XS -> w.asSlice(bb * b + 2, 134).fill((byte) 0); // scales -32, every level -127
                case Q3_K -> w.asSlice(bb * b, 108).fill((byte) 0); // every value -4, scales -32
                case Q2_K -> w.asSlice(bb * b, 80).fill((byte) 0xff); // scales and minimums 15, values 3
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        float[] x = new float[cols];
        java.util.Arrays.fill(x, type == GgmlType.Q6_K || type == GgmlType.Q8_0 || type == GgmlType.IQ4_XS
                || type == GgmlType.Q3_K || type == GgmlType.IQ4_NL || type == GgmlType.Q5_0 ? -1f : 1f);
        RowGroupKernel scalar = scalar(type);
        MemorySegment iw = interleaved(scalar, w, ROWS, cols);
        Activations a = new Activations();
        scalar.prepareInput(x, cols, a);
        float[] expected = new float[ROWS];
        scalar.matVec(iw, cols, a, expected, 0, ROWS);
        float[] actual = new float[ROWS];
        vector.matVec(iw, cols, a, actual, 0, ROWS);
        assertArrayEquals(expected, actual, 0f);
    }

    @ParameterizedTest
    @MethodSource("typesAndWidths")
    void productsCoverWholeGroups(GgmlType type, int cols) {
        RowGroupKernel scalar = scalar(type);
        MemorySegment w = interleaved(scalar, weights(type, new Random(3), 64, cols), 64, cols);
        Activations a = new Activations();
        scalar.prepareInput(new float[cols], cols, a);
        float[] out = new float[64];
        assertThrows(IllegalArgumentException.class, () -> scalar.matVec(w, cols, a, out, 16, 64));
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(type);
        if (vector != null) {
            assertThrows(IllegalArgumentException.class, () -> vector.matVec(w, cols, a, out, 0, 48));
        }
    }

    @Test
    void onlyVectorKernelsInterleave() {
        assertNull(Kernels.scalar().rowInterleaved(GgmlType.Q4_0), "scalar lanes gain nothing from interleaving");
        assertNull(Kernels.scalar().rowInterleaved(GgmlType.Q4_K));
        assertNull(Kernels.get().rowInterleaved(GgmlType.F16), "float rows stay as stored");
        assertNull(Kernels.get().rowInterleaved(GgmlType.F32));
    }
}
