package org.jllm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.jllm.kernels.quant.Q4_0x32Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Q4_0 with 32 interleaved rows: the same rows and products as the stored layout, and the vector kernel's bits. */
class RowInterleavedKernelTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Q4_0x32Kernel SCALAR = new Q4_0x32Kernel();

    /** Random Q4_0 rows, some blocks with scales the F16 conversion must get right: signs, zeros, subnormals. */
    static MemorySegment q4_0(Random r, int rows, int cols) {
        MemorySegment w = KernelsAgreementTest.randomBlocks(r, GgmlType.Q4_0, rows, cols);
        short[] special = {(short) 0x8000, 0, 0x0001, (short) 0x83ff, 0x03ff, (short) 0xa000, 0x7bff, (short) 0xfbff};
        long blocks = w.byteSize() / 18;
        for (int i = 0; i < special.length && i < blocks; i++) {
            w.set(I16, 18L * (i * 7 % blocks), special[i]);
        }
        for (long b = special.length; b < blocks; b += 3) {
            w.set(I16, 18 * b, (short) (w.get(I16, 18 * b) | 0x8000));
        }
        return w;
    }

    static MemorySegment interleaved(MemorySegment w, int rows, int cols) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) w.byteSize()]);
        // In two ranges of groups, as two threads would.
        int groups = rows / Q4_0x32Kernel.ROWS;
        SCALAR.interleave(w, cols, out, 0, groups / 2);
        SCALAR.interleave(w, cols, out, groups / 2, groups);
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 256, 2048})
    void interleavedRowsDequantizeToTheStoredRows(int cols) {
        int rows = 96;
        MemorySegment w = q4_0(new Random(cols), rows, cols);
        MemorySegment iw = interleaved(w, rows, cols);
        WeightKernel plain = Kernels.scalar().weights(GgmlType.Q4_0);
        float[] expected = new float[cols];
        float[] actual = new float[cols];
        for (int row = 0; row < rows; row++) {
            plain.dequantizeRow(w, cols, row, expected, 0);
            SCALAR.dequantizeRow(iw, cols, row, actual, 0);
            assertArrayEquals(expected, actual, 0f, "row " + row);
        }
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(GgmlType.Q4_0);
        if (vector != null) {
            MemorySegment viw = MemorySegment.ofArray(new byte[(int) w.byteSize()]);
            vector.interleave(w, cols, viw, 0, 1);
            vector.interleave(w, cols, viw, 1, rows / Q4_0x32Kernel.ROWS);
            assertEquals(-1L, iw.mismatch(viw), "the vector kernel's interleaving writes the same bytes");
        }
        // The layout itself: row 33's scale and packed byte 5 of block 0 (group 1, lane 1).
        long group1 = (long) cols / 32 * Q4_0x32Kernel.GROUP_BLOCK_BYTES;
        assertEquals(w.get(I16, 33L * cols / 32 * 18), iw.get(I16, group1 + 2));
        assertEquals(w.get(ValueLayout.JAVA_BYTE, 33L * cols / 32 * 18 + 2 + 5),
                iw.get(ValueLayout.JAVA_BYTE, group1 + Q4_0x32Kernel.VALUES_AT + 32 * 5 + 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 256, 2048})
    void productsAreTheStoredLayoutsBlockSumsAndTheVectorKernelsBits(int cols) {
        int rows = 96;
        Random r = new Random(cols + 1);
        MemorySegment w = q4_0(r, rows, cols);
        MemorySegment iw = interleaved(w, rows, cols);
        float[] x = KernelsAgreementTest.random(r, cols);
        Activations a = new Activations();
        SCALAR.prepareInput(x, cols, a);
        float[] stored = new float[rows];
        Kernels.scalar().weights(GgmlType.Q4_0).matVec(w, cols, a, stored, 0, rows);
        float[] products = new float[rows];
        SCALAR.matVec(iw, cols, a, products, 0, rows);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            Kernels.scalar().weights(GgmlType.Q4_0).dequantizeRow(w, cols, i, row, 0);
            double scale = KernelsAgreementTest.Exact.of(row, x, cols).scale();
            // The same exact integer block sums and scales, accumulated in another float order.
            assertEquals(stored[i], products[i], scale * 1e-6, "row " + i);
        }
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(GgmlType.Q4_0);
        if (vector != null) {
            Activations va = new Activations();
            vector.prepareInput(x, cols, va);
            float[] vp = new float[rows];
            vector.matVec(iw, cols, va, vp, 32, rows);
            vector.matVec(iw, cols, va, vp, 0, 32);
            assertArrayEquals(products, vp, 0f, "the vector kernel gives the scalar kernel's bits");
        }
    }

    @Test
    void productsCoverWholeGroups() {
        MemorySegment w = interleaved(q4_0(new Random(3), 64, 64), 64, 64);
        Activations a = new Activations();
        SCALAR.prepareInput(new float[64], 64, a);
        float[] out = new float[64];
        assertThrows(IllegalArgumentException.class, () -> SCALAR.matVec(w, 64, a, out, 16, 64));
        RowInterleavedKernel vector = Kernels.get().rowInterleaved(GgmlType.Q4_0);
        if (vector != null) {
            assertThrows(IllegalArgumentException.class, () -> vector.matVec(w, 64, a, out, 0, 48));
        }
    }

    @Test
    void onlyVectorKernelsInterleaveAndOnlyQ4_0() {
        assertNull(Kernels.scalar().rowInterleaved(GgmlType.Q4_0), "scalar lanes gain nothing from interleaving");
        assertNull(Kernels.get().rowInterleaved(GgmlType.Q8_0));
        assertNull(Kernels.get().rowInterleaved(GgmlType.Q4_K));
    }
}
