package org.jllm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Vector API kernels agree with the scalar reference on random inputs of awkward lengths. */
class KernelsAgreementTest {
    static final int[] LENGTHS = {1, 7, 15, 16, 17, 31, 32, 33, 64, 100, 172, 257, 1000};

    static IntStream lengths() {
        return IntStream.of(LENGTHS);
    }

    static Kernels vector() {
        assumeTrue(Kernels.vectorApiAvailable(), "skipped: this JVM runs without jdk.incubator.vector");
        return Kernels.get();
    }

    static final Kernels SCALAR = Kernels.scalar();

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Tolerance for a sum of n products of unit-scale values computed in another order. */
    static float tol(int n) {
        return 1e-5f * (float) Math.sqrt(n) * 4 + 1e-6f;
    }

    @Test
    void providerIsChosenByTheModulePresence() {
        if (Boolean.getBoolean("jllm.expect.scalar")) {
            assertEquals("scalar", Kernels.get().name(), "without the incubator module the scalar path is used");
        } else {
            assertEquals(true, Kernels.get().name().startsWith("vector"), Kernels.get().name());
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void floatOpsAgree(int n) {
        FloatOps v = vector().floatOps();
        FloatOps s = SCALAR.floatOps();
        Random r = new Random(n);
        float[] a = random(r, n + 3);
        float[] b = random(r, n + 5);
        assertEquals(s.dot(a, 3, b, 5, n), v.dot(a, 3, b, 5, n), tol(n), "dot");

        float[] y1 = random(new Random(7), n + 2);
        float[] y2 = y1.clone();
        s.axpy(0.37f, a, 1, y1, 2, n);
        v.axpy(0.37f, a, 1, y2, 2, n);
        assertArrayEquals(y1, y2, 1e-6f, "axpy");

        float[] w = random(r, n);
        float[] o1 = new float[n];
        float[] o2 = new float[n];
        s.rmsNorm(o1, a, w, n, 1e-5f);
        v.rmsNorm(o2, a, w, n, 1e-5f);
        assertArrayEquals(o1, o2, 1e-5f, "rmsNorm");

        float[] p1 = a.clone();
        float[] p2 = a.clone();
        s.softmax(p1, 2, n);
        v.softmax(p2, 2, n);
        assertArrayEquals(p1, p2, 0f, "softmax: the same exp and the same sum order on both paths");
        float total = 0;
        for (int i = 0; i < n; i++) {
            total += p2[2 + i];
        }
        assertEquals(1f, total, 1e-5f, "softmax sums to 1");

        float[] g1 = a.clone();
        float[] g2 = a.clone();
        s.swiglu(g1, b, n);
        v.swiglu(g2, b, n);
        assertArrayEquals(g1, g2, 0f, "swiglu");
        s.silu(g1, n);
        v.silu(g2, n);
        assertArrayEquals(g1, g2, 0f, "silu");

        float[] add1 = a.clone();
        float[] add2 = a.clone();
        s.add(add1, b, n);
        v.add(add2, b, n);
        assertArrayEquals(add1, add2, 0f, "add");
        s.scale(add1, 0, n, 1.5f);
        v.scale(add2, 0, n, 1.5f);
        assertArrayEquals(add1, add2, 0f, "scale");
    }

    /**
     * Short rows of every length (5 of them), and long rows, many of them (75), where the vector kernels take rows in
     * groups and columns in chunks (BF16: groups of 32 rows over chunks of 1024 columns): F16 and BF16 give the bits
     * of the scalar kernel, which sums whole rows in its lane order; F32 with vectors narrower than 16 lanes sums in
     * another order, within float rounding.
     */
    static Stream<Arguments> shapes() {
        return Stream.concat(
                IntStream.of(LENGTHS).mapToObj(c -> Arguments.of(5, c)),
                IntStream.of(1024, 3104, 8192).mapToObj(c -> Arguments.of(75, c)));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void weightKernelsAgree(int rows, int cols) {
        Kernels v = vector();
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            Random r = new Random(cols * 31L + rows + type.ordinal());
            MemorySegment w = randomMatrix(r, type, rows, cols);
            float[] x = random(r, cols);
            WeightKernel sk = SCALAR.weights(type);
            WeightKernel vk = v.weights(type);
            Activations px1 = new Activations();
            Activations px2 = new Activations();
            sk.prepareInput(x, cols, px1);
            vk.prepareInput(x, cols, px2);
            assertArrayEquals(px1.floats(), px2.floats(), 0f, type + " prepared input");
            float[] o1 = new float[rows];
            float[] o2 = new float[rows];
            sk.matVec(w, cols, px1, o1, 1, rows);
            vk.matVec(w, cols, px2, o2, 1, rows);
            assertEquals(0f, o2[0], "rows outside [from, to) are not written");
            float tolerance = type == GgmlType.F32 ? tol(cols) : 0f;
            assertArrayEquals(o1, o2, tolerance, type + " matVec, " + rows + " x " + cols);
            for (int row = 0; row < Math.min(rows, 5); row++) {
                float[] d1 = new float[cols + 1];
                float[] d2 = new float[cols + 1];
                sk.dequantizeRow(w, cols, row, d1, 1);
                vk.dequantizeRow(w, cols, row, d2, 1);
                assertArrayEquals(d1, d2, 0f, type + " dequantizeRow");
            }
        }
    }

    /** Random blocks of a 32-value type: random bytes, with F16 scale (and minimum) fields set to sane values. */
    static MemorySegment randomBlocks(Random r, GgmlType type, int rows, int cols) {
        int blocks = rows * cols / 32;
        int bb = type.bytesPerBlock();
        byte[] bytes = new byte[blocks * bb];
        r.nextBytes(bytes);
        MemorySegment w = MemorySegment.ofArray(bytes);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        boolean hasMin = type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
        for (int b = 0; b < blocks; b++) {
            w.set(i16, (long) bb * b, Numbers.floatToF16((float) (0.01 * (0.5 + r.nextDouble()))));
            if (hasMin) {
                w.set(i16, (long) bb * b + 2, Numbers.floatToF16((float) (-0.05 * r.nextDouble())));
            }
            if (type == GgmlType.Q8_0) {
                for (int j = 0; j < 32; j++) { // -128 is not produced by the quantizer
                    w.set(ValueLayout.JAVA_BYTE, (long) bb * b + 2 + j, (byte) (r.nextInt(255) - 127));
                }
            }
        }
        return w;
    }

    static final GgmlType[] BLOCK32_TYPES = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
            GgmlType.Q5_1, GgmlType.IQ4_NL};

    @ParameterizedTest
    @MethodSource("blockMultiples")
    void blockKernelsAgreeAndApproximateTheFloatProduct(int cols) {
        Kernels v = vector();
        for (GgmlType type : BLOCK32_TYPES) {
            int rows = 6;
            Random r = new Random(cols * 7L + type.ordinal());
            MemorySegment w = randomBlocks(r, type, rows, cols);
            float[] x = random(r, cols);
            WeightKernel sk = SCALAR.weights(type);
            WeightKernel vk = v.weights(type);
            Activations ax = new Activations();
            sk.prepareInput(x, cols, ax);
            float[] o1 = new float[rows];
            float[] o2 = new float[rows];
            sk.matVec(w, cols, ax, o1, 0, rows);
            vk.matVec(w, cols, ax, o2, 0, rows);
            float[] row = new float[cols];
            float[] row2 = new float[cols];
            for (int i = 0; i < rows; i++) {
                sk.dequantizeRow(w, cols, i, row, 0);
                vk.dequantizeRow(w, cols, i, row2, 0);
                assertArrayEquals(row, row2, 0f);
                // Against the float product of the dequantized row: only the activations' 8-bit rounding differs.
                Exact e = Exact.of(row, x, cols);
                double exact = e.dot();
                double scale = e.scale();
                assertEquals(exact, o1[i], scale * 0.01 + 1e-4, type + " row " + i);
                // The same integer block sums, accumulated in 8 float lanes (scalar, 256-bit) or 16 (512-bit).
                assertEquals(o1[i], o2[i], scale * 1e-6, type + " row " + i + ": scalar and vector within rounding");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("superBlockMultiples")
    void kQuantIntegerPathApproximatesTheFloatProduct(int cols) {
        for (GgmlType type : K_SCALE_FIELDS.keySet()) {
            int rows = 4;
            Random r = new Random(cols * 13L + type.ordinal());
            MemorySegment w = kQuantBlocks(r, type, rows, cols);
            float[] x = random(r, cols);
            float[] reference = null;
            for (Kernels k : Kernels.vectorApiAvailable() ? List.of(SCALAR, Kernels.get()) : List.of(SCALAR)) {
                WeightKernel kernel = k.weights(type);
                Activations ax = new Activations();
                kernel.prepareInput(x, cols, ax);
                float[] o = new float[rows];
                kernel.matVec(w, cols, ax, o, 0, rows);
                if (reference == null) {
                    reference = o;
                }
                float[] row = new float[cols];
                float[] scalarRow = new float[cols];
                for (int i = 0; i < rows; i++) {
                    kernel.dequantizeRow(w, cols, i, row, 0);
                    SCALAR.weights(type).dequantizeRow(w, cols, i, scalarRow, 0);
                    assertArrayEquals(scalarRow, row, 0f, type + " dequantizeRow on " + k.name());
                    Exact e = Exact.of(row, x, cols);
                    double exact = e.dot();
                    double scale = e.scale();
                    assertEquals(exact, o[i], scale * 0.01 + 1e-4, type + " row " + i + " on " + k.name());
                    // The same exact integer sums, accumulated in 8 float lanes (scalar) or 16 (512-bit kernels).
                    assertEquals(reference[i], o[i], scale * 1e-6, type + " row " + i + ": within rounding of scalar");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("superBlockMultiples")
    void floatPathIsTheDequantizedRowTimesUnroundedActivations(int cols) {
        for (GgmlType type : GgmlType.values()) {
            if (!type.isQuantized() || !Kernels.get().supports(type)) {
                continue;
            }
            int rows = 3;
            Random r = new Random(cols * 17L + type.ordinal());
            MemorySegment w = randomWeights(r, type, rows, cols);
            float[] x = random(r, cols);
            WeightKernel k = Kernels.get().floatPath(type);
            Activations ax = new Activations();
            k.prepareInput(x, cols, ax);
            float[] o = new float[rows];
            k.matVec(w, cols, ax, o, 0, rows);
            float[] row = new float[cols];
            for (int i = 0; i < rows; i++) {
                SCALAR.weights(type).dequantizeRow(w, cols, i, row, 0);
                Exact e = Exact.of(row, x, cols);
                double exact = e.dot();
                double scale = e.scale();
                // No 8-bit activations here: only float rounding separates it from the exact product.
                assertEquals(exact, o[i], scale * 1e-6, type + " row " + i);
            }
        }
    }

    /** The dot product of a dequantized row with x in double, and the sum of |row_j * x_j| that bounds its rounding. */
    record Exact(double dot, double scale) {
        static Exact of(float[] row, float[] x, int cols) {
            double dot = 0;
            double scale = 0;
            for (int j = 0; j < cols; j++) {
                dot += (double) row[j] * x[j];
                scale += Math.abs(row[j]) * Math.abs(x[j]);
            }
            return new Exact(dot, scale);
        }
    }

    /** Byte offsets of each K-quant type's F16 scale d and (where it has one) dmin inside a super-block. */
    static final java.util.Map<GgmlType, int[]> K_SCALE_FIELDS = java.util.Map.of(
            GgmlType.Q2_K, new int[] {80, 82}, GgmlType.Q3_K, new int[] {108}, GgmlType.Q4_K, new int[] {0, 2},
            GgmlType.Q5_K, new int[] {0, 2}, GgmlType.Q6_K, new int[] {208}, GgmlType.IQ4_XS, new int[] {0});

    /** Random super-blocks with small finite scales. */
    static MemorySegment kQuantBlocks(Random r, GgmlType type, int rows, int cols) {
        int bb = type.bytesPerBlock();
        byte[] bytes = new byte[rows * cols / 256 * bb];
        r.nextBytes(bytes);
        MemorySegment w = MemorySegment.ofArray(bytes);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int[] fields = K_SCALE_FIELDS.get(type);
        for (int b = 0; b < rows * cols / 256; b++) {
            w.set(i16, (long) b * bb + fields[0], Numbers.floatToF16((float) (0.001 * (0.5 + r.nextDouble()))));
            if (fields.length > 1) {
                w.set(i16, (long) b * bb + fields[1], Numbers.floatToF16((float) (0.001 * r.nextDouble())));
            }
        }
        return w;
    }

    /** Random weights of any computable type (cols a multiple of its block size). */
    static MemorySegment randomWeights(Random r, GgmlType type, int rows, int cols) {
        if (!type.isQuantized()) {
            return randomMatrix(r, type, rows, cols);
        }
        return K_SCALE_FIELDS.containsKey(type) ? kQuantBlocks(r, type, rows, cols) : randomBlocks(r, type, rows, cols);
    }

    static IntStream superBlockMultiples() {
        return IntStream.of(256, 512, 1024);
    }

    @Test
    void blockLayoutsDecodeAsSpecified() {
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        // Q4_0: d = 0.5; byte 0 = 0x9F: value 0 = 0xF - 8 = 7, value 16 = 0x9 - 8 = 1.
        MemorySegment q40 = MemorySegment.ofArray(new byte[18]);
        q40.set(i16, 0, Numbers.floatToF16(0.5f));
        q40.set(ValueLayout.JAVA_BYTE, 2, (byte) 0x9F);
        float[] row = new float[32];
        SCALAR.weights(GgmlType.Q4_0).dequantizeRow(q40, 32, 0, row, 0);
        assertEquals(3.5f, row[0]);
        assertEquals(0.5f, row[16]);
        assertEquals(-4f, row[1]);
        // Q5_1: d = 1, m = -16; qh bit 16 set; byte 0 = 0x21: value 0 = 1 - 16, value 16 = (2 | 16) - 16 = 2.
        MemorySegment q51 = MemorySegment.ofArray(new byte[24]);
        q51.set(i16, 0, Numbers.floatToF16(1f));
        q51.set(i16, 2, Numbers.floatToF16(-16f));
        q51.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 1 << 16);
        q51.set(ValueLayout.JAVA_BYTE, 8, (byte) 0x21);
        SCALAR.weights(GgmlType.Q5_1).dequantizeRow(q51, 32, 0, row, 0);
        assertEquals(-15f, row[0]);
        assertEquals(2f, row[16]);
        assertEquals(-16f, row[17]);
    }

    static IntStream tileLengths() {
        return IntStream.concat(lengths(), IntStream.of(512, 1536, 2064));
    }

    /**
     * The tile order of the float types is {@link LaneMajor}'s (after BF16's pair order), and the vector kernels
     * arrange a row exactly as the scalar ones do (16 x 16 transpositions vs one value at a time).
     */
    @ParameterizedTest
    @MethodSource("tileLengths")
    void tileOrderIsTheSameOnBothPaths(int cols) {
        Random r = new Random(cols + 7);
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16)) {
            float[] row = random(r, cols + 5);
            float[] scalar = row.clone();
            SCALAR.weights(type).toTileOrder(scalar, 5, cols);
            float[] vector = row.clone();
            vector().weights(type).toTileOrder(vector, 5, cols);
            assertArrayEquals(scalar, vector, type + " " + cols);
            if (type == GgmlType.F32) {
                float[] expected = row.clone();
                if (cols % 16 == 0) {
                    int c = cols / 16;
                    for (int i = 0; i < c; i++) {
                        for (int j = 0; j < 16; j++) {
                            expected[5 + j * c + i] = row[5 + 16 * i + j];
                        }
                    }
                }
                assertArrayEquals(expected, scalar, "lane-major F32 row of " + cols);
            }
        }
    }

    /**
     * A group's rows against one vector sum each as dotInSteps does (dotsInSteps: the query heads of a token read in
     * a batch) or as dot does (dots: a token read alone), to the bit, on both paths and any count.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void dotsSumEachRowAsTheirDot(boolean inSteps) {
        Random r = new Random(inSteps ? 17 : 19);
        for (int n : new int[] {16, 40, 64, 100, 128, 192}) {
            for (int count : new int[] {1, 3, 4, 7, 8}) {
                int stride = n + 3;
                float[] a = random(r, 5 + count * stride);
                float[] b = random(r, n + 2);
                for (Kernels k : List.of(SCALAR, vector())) {
                    FloatOps ops = k.floatOps();
                    float[] out = new float[2 + count * 9];
                    if (inSteps) {
                        ops.dotsInSteps(a, 5, stride, count, b, 2, n, out, 2, 9);
                    } else {
                        ops.dots(a, 5, stride, count, b, 2, n, out, 2, 9);
                    }
                    for (int j = 0; j < count; j++) {
                        float one = inSteps ? ops.dotInSteps(a, 5 + j * stride, b, 2, n)
                                : ops.dot(a, 5 + j * stride, b, 2, n);
                        assertEquals(one, out[2 + j * 9], 0f, k.name() + " n " + n + " row " + j + " of " + count);
                    }
                }
            }
        }
    }

    /**
     * A group's scores against many keys are, to the bit, each key's dots (or dotsInSteps) times the scale, on both
     * paths: head sizes with and without the vector kernel's written-out 64-value case, groups of 4 and others.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void scoresAreEachKeysDotsTimesTheScale(boolean inSteps) {
        Random r = new Random(inSteps ? 29 : 31);
        float scale = 1f / (float) Math.sqrt(64);
        for (int n : new int[] {16, 40, 64, 128}) {
            for (int count : new int[] {1, 3, 4, 8}) {
                int stride = n + 3;
                int keyStride = n + 5;
                int positions = 37;
                float[] a = random(r, 5 + count * stride);
                float[] b = random(r, 2 + positions * keyStride);
                for (Kernels k : List.of(SCALAR, vector())) {
                    FloatOps ops = k.floatOps();
                    int outStride = positions + 4;
                    float[] out = new float[3 + count * outStride];
                    ops.scores(a, 5, stride, count, b, 2, keyStride, positions, n, inSteps, scale, out, 3, outStride);
                    for (int t = 0; t < positions; t++) {
                        for (int j = 0; j < count; j++) {
                            float one = inSteps ? ops.dotInSteps(a, 5 + j * stride, b, 2 + t * keyStride, n)
                                    : ops.dot(a, 5 + j * stride, b, 2 + t * keyStride, n);
                            assertEquals(one * scale, out[3 + j * outStride + t], 0f,
                                    k.name() + " n " + n + " row " + j + " of " + count + " position " + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * The 16 partial sums of weighted rows are what axpy builds position after position, to the bit, for one or more
     * weightings of the same rows (a group's query heads).
     */
    @Test
    void weightedSumsInLanesAreAxpysInPositionOrder() {
        Random r = new Random(23);
        for (int n : new int[] {40, 64, 128}) {
            for (int count : new int[] {1, 15, 16, 17, 100}) {
                for (int sets : new int[] {1, 4, 5}) {
                    int stride = n + 7;
                    int wStride = count + 3;
                    int outStride = 16 * n + 2;
                    float[] rows = random(r, 3 + count * stride);
                    float[] weights = random(r, 2 + sets * wStride);
                    for (Kernels k : List.of(SCALAR, vector())) {
                        FloatOps ops = k.floatOps();
                        float[] expected = new float[5 + sets * outStride];
                        for (int s = 0; s < sets; s++) {
                            for (int t = 0; t < count; t++) {
                                ops.axpy(weights[2 + s * wStride + t], rows, 3 + t * stride, expected,
                                        5 + s * outStride + (t % 16) * n, n);
                            }
                        }
                        float[] out = new float[5 + sets * outStride];
                        java.util.Arrays.fill(out, Float.NaN);
                        java.util.Arrays.fill(out, 0, 5, 0f);
                        for (int s = 0; s < sets; s++) {
                            // the gaps between the weightings' sums are left alone
                            java.util.Arrays.fill(out, 5 + s * outStride + 16 * n, 5 + (s + 1) * outStride, 0f);
                        }
                        ops.weightedSumsInLanes(weights, 2, wStride, sets, rows, 3, stride, count, out, 5, outStride,
                                n);
                        assertArrayEquals(expected, out, 0f, k.name() + " n " + n + " count " + count + " sets "
                                + sets);
                    }
                }
            }
        }
    }

    /**
     * Every row-token pair of a tile is the dot product of the two, to the bit, on both paths: through the packed
     * layouts (rows and tokens in {@link LaneMajor} order) the scalar reference's 16-lane sum at any vector width, for
     * token counts that fill 4 vectors, leave a tail or are shorter, fill 8 or 12 (the packed stride then 16 tokens
     * longer), and rows outside groups of four; rows of other lengths as the path's own dot sums them.
     */
    @ParameterizedTest
    @MethodSource("tileLengths")
    void matMulTileGivesTheDotProducts(int cols) {
        Random r = new Random(cols + 99);
        for (int rows : new int[] {1, 7, 8, 17}) {
            for (int n : new int[] {1, 2, 5, 17, 40, 64, 70, 100, 128, 192}) {
                float[] w = random(r, rows * cols);
                float[] x = random(r, n * cols);
                float[] tile = w.clone();
                for (int i = 0; i < rows; i++) {
                    LaneMajor.arrange(tile, i * cols, cols);
                }
                float[] tokens = x.clone();
                for (int t = 0; t < n; t++) {
                    LaneMajor.arrange(tokens, t * cols, cols);
                }
                for (Kernels k : List.of(SCALAR, vector())) {
                    FloatOps ops = k.floatOps();
                    float[] packed = new float[ops.packedTokensLength(n, cols)];
                    java.util.Arrays.fill(packed, Float.NaN);
                    ops.packTokens(tokens, n, cols, packed);
                    float[] out = new float[rows * n];
                    ops.matMulTile(tile, rows, cols, packed, n, out);
                    for (int t = 0; t < n; t++) {
                        for (int i = 0; i < rows; i++) {
                            FloatOps order = LaneMajor.applies(cols) ? SCALAR.floatOps() : ops;
                            assertEquals(order.dot(w, i * cols, x, t * cols, cols), out[i * n + t], 0f,
                                    k.name() + " rows " + rows + " tokens " + n + " at " + i + "," + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * roundInput gives the values the integer or rounded dot product multiplies: for float weights against an F32
     * copy of the prepared input, for quantized ones the dot product with those values approximates matVec to
     * float rounding (the integer sums are exact, the float ones are rounded per product).
     */
    @ParameterizedTest
    @MethodSource("superBlockMultiples")
    void roundInputIsWhatTheDotProductSees(int cols) {
        Random r = new Random(cols + 5);
        float[] x = random(r, cols);
        for (Kernels k : List.of(SCALAR, vector())) {
            for (GgmlType type : GgmlType.values()) {
                if (!k.supports(type)) {
                    continue;
                }
                WeightKernel kernel = k.weights(type);
                float[] rounded = new float[cols + 2];
                kernel.roundInput(x, 0, cols, rounded, 2);
                int rows = 3;
                MemorySegment w = randomWeights(r, type, rows, cols);
                Activations a = new Activations();
                kernel.prepareInput(x, cols, a);
                float[] expected = new float[rows];
                kernel.matVec(w, cols, a, expected, 0, rows);
                float[] row = new float[cols];
                for (int i = 0; i < rows; i++) {
                    kernel.dequantizeRow(w, cols, i, row, 0);
                    double sum = 0;
                    double scale = 0;
                    for (int j = 0; j < cols; j++) {
                        sum += (double) row[j] * rounded[2 + j];
                        scale += Math.abs((double) row[j] * rounded[2 + j]);
                    }
                    assertEquals(expected[i], sum, 1e-5 * scale + 1e-6, k.name() + " " + type + " row " + i);
                }
                if (!type.isQuantized()) {
                    for (int j = 0; j < cols; j++) {
                        float v = type == GgmlType.F16 ? Numbers.roundToF16(x[j])
                                : type == GgmlType.BF16 ? Numbers.roundToBf16(x[j]) : x[j];
                        assertEquals(v, rounded[2 + j], 0f, type + " value " + j);
                    }
                }
            }
        }
    }

    static IntStream blockMultiples() {
        return IntStream.of(32, 64, 96, 256, 1024);
    }

    @Test
    void q8_0ActivationQuantizationRoundsLikeLlamaCpp() {
        float[] x = new float[32];
        x[0] = 2.54f;       // amax: scale 2.54/127 = 0.02, q = 127
        x[1] = 0.01f;       // 0.01 * 127/2.54 = 0.5 exactly -> ties to even: 0
        x[2] = 0.03f;       // 1.5 -> 2
        x[3] = -0.03f;      // -1.5 -> -2
        x[4] = -2.54f;
        Activations a = new Activations();
        SCALAR.weights(GgmlType.Q8_0).prepareInput(x, 32, a);
        assertEquals(127, a.quants()[0]);
        assertEquals(0, a.quants()[1]);
        assertEquals(2, a.quants()[2]);
        assertEquals(-2, a.quants()[3]);
        assertEquals(-127, a.quants()[4]);
        assertEquals(Numbers.roundToF16(2.54f / 127f), a.scales()[0]);
    }

    /**
     * The F32 kernel takes rows four at a time (and the rest one by one), F16 eight from 8192 columns, BF16 two at a
     * time: every row keeps the scalar kernel's bits; F16 rows holding an infinity or a NaN (rows 21-23, whose set of
     * eight the vector kernel hands to the scalar one) and rows of finite F16 bit patterns spread over both signs,
     * subnormals and zeros (rows 8-15, a set of eight, and 24-29, one by one: 11 i with exponent bit 10 cleared) too. On 16-lane vectors (the order the scalar kernel follows);
     * narrower ones take the scalar kernel for F16 and BF16, and F32 their own order, within {@link #tol}.
     */
    @ParameterizedTest
    @ValueSource(ints = {4096, 8192})
    void floatKernelsKeepTheScalarBitsRowByRow(int cols) {
        Kernels v = vector();
        boolean sixteenLanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() == 16;
        int rows = 30;
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            Random r = new Random(7 + type.ordinal());
            MemorySegment w = randomMatrix(r, type, rows, cols);
            if (type == GgmlType.F16) {
                w.set(i16, 2L * (21 * cols + 17), (short) 0x7c00); // +inf in row 21
                w.set(i16, 2L * (22 * cols + 3), (short) 0xfe01); // a NaN in row 22
                w.set(i16, 2L * (23 * cols + 100), (short) 0xfc00); // -inf in row 23
                for (int i = 0; i < 8 * cols; i++) { // rows 8-15, 24-29: finite patterns (exponent bit 10 cleared)
                    w.set(i16, 2L * (8 * cols + i), (short) ((i * 11) & 0xfbff));
                    if (i < 6 * cols) {
                        w.set(i16, 2L * (24 * cols + i), (short) ((i * 13) & 0xfbff));
                    }
                }
            }
            float[] x = random(r, cols);
            if (type == GgmlType.F16) {
                // F16's extremes among the activations: the vector kernel takes them times 2^112 (65504 * 2^112 is
                // still finite), and subnormal ones too.
                x[5] = 65504f;
                x[9] = -65504f;
                x[11] = 3e-8f;
                x[12] = -6e-6f;
            }
            Activations px1 = new Activations();
            Activations px2 = new Activations();
            SCALAR.weights(type).prepareInput(x, cols, px1);
            v.weights(type).prepareInput(x, cols, px2);
            float[] o1 = new float[rows];
            float[] o2 = new float[rows];
            SCALAR.weights(type).matVec(w, cols, px1, o1, 0, rows);
            v.weights(type).matVec(w, cols, px2, o2, 0, rows);
            for (int row = 0; row < rows; row++) {
                if (sixteenLanes || type != GgmlType.F32) {
                    assertEquals(Float.floatToIntBits(o1[row]), Float.floatToIntBits(o2[row]), type + " row " + row);
                } else {
                    assertEquals(o1[row], o2[row], tol(cols), type + " row " + row);
                }
            }
            if (type == GgmlType.F16) {
                assertEquals(true, Float.isNaN(o2[21]) || Float.isInfinite(o2[21]), "row 21 holds an infinity");
                assertEquals(true, Float.isNaN(o2[22]), "row 22 holds a NaN");
                assertEquals(true, Float.isNaN(o2[23]) || Float.isInfinite(o2[23]), "row 23 holds -inf");
            }
        }
    }

    @Test
    void f16DecodingIsExactForEveryBitPattern() {
        Kernels v = vector();
        int n = 65536;
        MemorySegment w = MemorySegment.ofArray(new byte[n * 2]);
        for (int i = 0; i < n; i++) {
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i, (short) i);
        }
        float[] d1 = new float[n];
        float[] d2 = new float[n];
        SCALAR.weights(GgmlType.F16).dequantizeRow(w, n, 0, d1, 0);
        v.weights(GgmlType.F16).dequantizeRow(w, n, 0, d2, 0);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(Float.float16ToFloat((short) i)), Float.floatToIntBits(d2[i]),
                    "half 0x" + Integer.toHexString(i));
            assertEquals(Float.floatToIntBits(d1[i]), Float.floatToIntBits(d2[i]));
        }
    }

    @Test
    void ggmlExpIsWithinTwoUlpOfMathExpAndBothPathsAgree() {
        for (float x = -87f; x <= 88f; x += 0.001f) {
            float e = (float) Math.exp(x);
            assertEquals(e, Exp.exp(x), 2 * Math.ulp(e), "x=" + x);
        }
        assertEquals(0f, Exp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(200f));
        assertEquals(1f, Exp.exp(0f));
    }

    @Test
    void softmaxIsWithinFourUlpOfExactAndBothPathsAgree() {
        FloatOps v = vector().floatOps();
        // softmax of {0, x} is {1/(1+e^x), e^x/(1+e^x)}: checks exp over the whole useful range, underflow included.
        for (float x = -100f; x <= 80f; x += 0.01f) {
            float[] in = new float[32];
            java.util.Arrays.fill(in, Float.NEGATIVE_INFINITY);
            in[0] = 0f;
            in[1] = x;
            v.softmax(in, 0, 32);
            double e = Math.exp(x);
            assertEquals(1 / (1 + e), in[0], 4 * Math.ulp((float) (1 / (1 + e))), "x=" + x);
            assertEquals(e / (1 + e), in[1], 4 * Math.ulp((float) (e / (1 + e))) + 1.2e-38, "x=" + x);
            float[] scalar = new float[32];
            java.util.Arrays.fill(scalar, Float.NEGATIVE_INFINITY);
            scalar[0] = 0f;
            scalar[1] = x;
            SCALAR.floatOps().softmax(scalar, 0, 32);
            assertArrayEquals(scalar, in, 0f, "x=" + x);
        }
        float[] g = {-200f, -90f, -20f, -1f, 0f, 1f, 20f, 90f, 200f, 0.5f, -0.5f, 3f, -3f, 10f, -10f, 7f};
        float[] expected = g.clone();
        SCALAR.floatOps().silu(expected, g.length);
        float[] actual = g.clone();
        v.silu(actual, g.length);
        assertArrayEquals(expected, actual, 0f, "silu at the extremes");
    }

    @Test
    void bf16RoundingMatchesGgml() {
        assertEquals((short) 0x3f80, Numbers.floatToBf16(1f));
        // Ties go to even: 1 + 2^-8 lies halfway between bf16 1.0 and 1.0078125.
        assertEquals((short) 0x3f80, Numbers.floatToBf16(Float.intBitsToFloat(0x3f808000)));
        assertEquals((short) 0x3f82, Numbers.floatToBf16(Float.intBitsToFloat(0x3f818000)));
        assertEquals((short) 0x3f81, Numbers.floatToBf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals(true, Float.isNaN(Numbers.roundToBf16(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Numbers.roundToBf16(Float.POSITIVE_INFINITY));
    }

    @Test
    void unsupportedTypesGetATypedException() {
        UnsupportedTensorTypeException e = assertThrows(UnsupportedTensorTypeException.class,
                () -> Kernels.get().weights(GgmlType.IQ1_M));
        assertThrows(UnsupportedTensorTypeException.class, () -> SCALAR.weights(GgmlType.TQ2_0));
        assertEquals(GgmlType.IQ1_M, e.type());
    }

    @Test
    void typeTableKnowsBlockLayouts() {
        assertEquals(34, GgmlType.Q8_0.bytesPerBlock());
        assertEquals(32, GgmlType.Q8_0.blockSize());
        assertEquals(210, GgmlType.Q6_K.bytesPerBlock());
        assertEquals(GgmlType.BF16, GgmlType.fromId(30).orElseThrow());
        assertEquals(true, GgmlType.fromId(4).isEmpty(), "retired Q4_2");
        assertEquals(-1, GgmlType.Q4_0.bytesFor(33));
        assertEquals(18 * 4, GgmlType.Q4_0.bytesFor(128));
        assertEquals(-1, GgmlType.F32.bytesFor(Long.MAX_VALUE / 2));
    }

    static MemorySegment randomMatrix(Random r, GgmlType type, int rows, int cols) {
        int n = rows * cols;
        MemorySegment w = MemorySegment.ofArray(new byte[n * type.bytesPerBlock()]);
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = (float) r.nextGaussian();
            switch (type) {
                case F32 -> w.set(f32, 4L * i, v);
                case F16 -> w.set(i16, 2L * i, Numbers.floatToF16(v));
                case BF16 -> w.set(i16, 2L * i, Numbers.floatToBf16(v));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return w;
    }
}
