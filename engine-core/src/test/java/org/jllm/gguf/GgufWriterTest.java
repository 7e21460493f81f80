package org.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files built with {@link GgufWriter}, in memory and on disk, read back by {@link GgufFile} and run by {@link Model}.
 */
class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void writesEveryValueTypeAndAlignedTensorsInMemoryAndOnDisk() throws Exception {
        float[] a = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f, 2f, 9f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f,
            1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f}; // 32 values: one Q8_0 row's worth of F32
        byte[] q8 = new byte[34];
        new Random(3).nextBytes(q8);
        GgufWriter w = new GgufWriter().alignment(64)
                .putString("general.name", "tiny é")
                .putUInt32("u", 4_000_000)
                .putInt32("i", -7)
                .putFloat32("f", 0.25f)
                .putBool("b", true)
                .putArray("strings", GgufValueType.STRING, new String[] {"a", "", "Ġb"})
                .putArray("ints", GgufValueType.INT32, new int[] {1, -2, 3})
                .putArray("floats", GgufValueType.FLOAT32, new float[] {0.5f})
                .putArray("bools", GgufValueType.BOOL, new boolean[] {true, false})
                .addTensor("a", GgmlType.F32, new long[] {32}, out -> out.write(f32(a)))
                .addTensor("q", GgmlType.Q8_0, new long[] {32, 1}, out -> out.write(q8))
                .addTensor("c", GgmlType.F32, new long[] {1}, out -> out.write(f32(new float[] {42f})));
        byte[] bytes = w.toByteArray();
        Path file = tmp.resolve("w.gguf");
        w.write(file);
        assertArrayEquals(bytes, Files.readAllBytes(file), "in memory and on disk alike");
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(3, f.version());
            assertEquals(64, f.alignment());
            assertEquals("tiny é", f.getString("general.name"));
            assertEquals(4_000_000, f.getLong("u"));
            assertEquals(-7, f.getInt("i"));
            assertArrayEquals(new String[] {"a", "", "Ġb"}, f.getStringArray("strings"));
            assertArrayEquals(new int[] {1, -2, 3}, f.findIntArray("ints").orElseThrow());
            assertArrayEquals(new float[] {0.5f}, f.findFloatArray("floats").orElseThrow());
            assertTrue(f.findBoolean("b").orElseThrow());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(128, f.tensor("q").dataOffset(), "after a's 128 bytes, on the alignment");
            assertArrayEquals(a, f.data(f.tensor("a")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED
                    .withOrder(ByteOrder.LITTLE_ENDIAN)));
            assertArrayEquals(q8, f.data(f.tensor("q")).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(192, f.tensor("c").dataOffset(), "q's 34 bytes padded to 64");
            assertEquals(42f, f.data(f.tensor("c"))
                    .get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        }
    }

    /** A vocabulary read from one file and written to another as stored: the same strings, the same bytes. */
    @Test
    void copiesAStringArrayAsStored() throws Exception {
        Path out = tmp.resolve("vocab.gguf");
        try (GgufFile src = GgufFile.open(TestData.model("stories260K.gguf"))) {
            GgufStrings tokens = src.getStrings("tokenizer.ggml.tokens");
            new GgufWriter().putArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens).write(out);
            try (GgufFile f = GgufFile.open(out)) {
                GgufStrings copied = f.getStrings("tokenizer.ggml.tokens");
                assertArrayEquals(tokens.toArray(), copied.toArray());
                assertEquals(tokens.crc32c(), copied.crc32c());
            }
        }
    }

    /**
     * A real model rebuilt entry by entry (metadata copied, tensors streamed from the mapping) opens with the same
     * tensor table and computes the same logits, bit for bit.
     */
    @Test
    void aRebuiltModelComputesTheSameLogits() throws Exception {
        Path original = TestData.model("stories260K.gguf");
        Path rebuilt = tmp.resolve("rebuilt.gguf");
        try (GgufFile src = GgufFile.open(original)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keySet()) {
                w.copy(src, key);
            }
            for (GgufTensorInfo t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), out -> Channels.newChannel(out)
                        .write(src.data(t).asByteBuffer()));
            }
            w.write(rebuilt);
            try (GgufFile f = GgufFile.open(rebuilt)) {
                assertEquals(src.tensors().size(), f.tensors().size());
                for (GgufTensorInfo t : src.tensors()) {
                    GgufTensorInfo u = f.tensor(t.name());
                    assertEquals(t.type(), u.type());
                    assertArrayEquals(t.shape(), u.shape());
                }
            }
        }
        int[] prompt = {1, 403, 407, 261, 378, 8};
        try (Model m = Model.load(original, Kernels.scalar(), 1); Model r = Model.load(rebuilt, Kernels.scalar(), 1);
             Session s = m.newSession(64); Session t = r.newSession(64)) {
            assertArrayEquals(s.evaluate(prompt), t.evaluate(prompt));
        }
    }

    @Test
    void badTensorsAndValuesAreRefusedByName() {
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> new GgufWriter()
                .addTensor("blk.0.ffn_up.weight", GgmlType.Q8_0, new long[] {48, 2}, out -> { }));
        assertTrue(rows.getMessage().contains("blk.0.ffn_up.weight") && rows.getMessage().contains("block size"),
                rows.getMessage());
        IllegalStateException written = assertThrows(IllegalStateException.class, () -> new GgufWriter()
                .addTensor("short", GgmlType.F32, new long[] {4}, out -> out.write(new byte[12])).toByteArray());
        assertTrue(written.getMessage().contains("short") && written.getMessage().contains("16"),
                written.getMessage());
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class, () -> new GgufWriter()
                .putArray("k", GgufValueType.STRING, new int[] {1}));
        assertTrue(array.getMessage().contains("k"), array.getMessage());
    }

    private static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }
}
