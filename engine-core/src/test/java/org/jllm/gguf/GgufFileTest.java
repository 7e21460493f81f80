package org.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jllm.kernels.GgmlType;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path tmp;

    Path write(byte[] bytes) throws IOException {
        Path p = Files.createTempFile(tmp, "t", ".gguf");
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsARealModel() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.model("stories260K.gguf"))) {
            assertEquals(3, f.version());
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals(5, f.getInt("llama.block_count"));
            assertEquals(64, f.getInt("llama.embedding_length"));
            assertEquals(2048, f.getInt("llama.context_length"));
            assertEquals(512, f.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(48, f.tensors().size());
            GgufTensorInfo emb = f.tensor("token_embd.weight");
            assertEquals(GgmlType.F32, emb.type());
            assertArrayEquals(new long[] {64, 512}, emb.shape());
            assertEquals(64L * 512 * 4, emb.byteSize());
            assertEquals(emb.byteSize(), f.data(emb).byteSize());
            assertTrue(f.findTensor("nope").isEmpty());
            assertTrue(f.findInt("nope").isEmpty());
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.getInt("general.architecture"));
            assertTrue(e.getMessage().contains("general.architecture"), e.getMessage());
        }
    }

    @Test
    void readsEveryMetadataTypeInVersion2And3() throws Exception {
        for (int version : new int[] {2, 3}) {
            GgufBytes b = new GgufBytes().header(version, 1, 14);
            b.str("u8").u32(0).u8(200);
            b.str("i8").u32(1).u8(0xff);
            b.str("u16").u32(2).u16(60000);
            b.str("i16").u32(3).u16(-2);
            b.str("u32").u32(4).u32(4_000_000_000L);
            b.str("i32").u32(5).u32(-7);
            b.str("f32").u32(6).f32(1.5f);
            b.str("bool").u32(7).u8(1);
            b.str("str").u32(8).str("héllo");
            b.str("u64").u32(10).u64(1L << 40);
            b.str("i64").u32(11).u64(-9);
            b.str("f64").u32(12).f64(2.25);
            b.str("arr").u32(9).u32(5).u64(3).u32(1).u32(2).u32(3);
            b.str("nested").u32(9).u32(9).u64(2).u32(8).u64(1).str("a").u32(0).u64(2).u8(1).u8(2);
            b.tensor("w", GgmlType.F16.id(), 0, 4, 2);
            b.align(32).zeros(16);
            try (GgufFile f = GgufFile.open(write(b.toByteArray()))) {
                assertEquals(version, f.version());
                assertEquals(200, f.getInt("u8"));
                assertEquals(-1, f.getInt("i8"));
                assertEquals(60000, f.getInt("u16"));
                assertEquals(-2, f.getInt("i16"));
                assertEquals(4_000_000_000L, f.getLong("u32"));
                assertThrows(GgufFormatException.class, () -> f.getInt("u32"), "does not fit in an int");
                assertEquals(-7, f.getInt("i32"));
                assertEquals(1.5f, f.getFloat("f32"));
                assertEquals(true, f.findBoolean("bool").orElseThrow());
                assertEquals("héllo", f.getString("str"));
                assertEquals(1L << 40, f.getLong("u64"));
                assertEquals(-9, f.getLong("i64"));
                assertEquals(2.25f, f.getFloat("f64"));
                assertArrayEquals(new int[] {1, 2, 3}, f.findIntArray("arr").orElseThrow());
                List<GgufArray> nested = f.findArray("nested").orElseThrow().nested();
                assertArrayEquals(new String[] {"a"}, ((GgufStrings) nested.get(0).values()).toArray());
                assertArrayEquals(new byte[] {1, 2}, (byte[]) nested.get(1).values());
                GgufTensorInfo w = f.tensor("w");
                assertEquals(GgmlType.F16, w.type());
                assertEquals(16, w.byteSize());
                assertEquals(f.dataOffset(), 32L * ((f.dataOffset() + 31) / 32));
            }
        }
    }

    /** Strings of an array are read through a 1 MiB window: ones that cross it, and one longer than it. */
    @Test
    void readsStringArraysLongerThanTheReadWindow() throws Exception {
        String[] expected = {"a".repeat(700_000), "é".repeat(350_000), "c".repeat(1_200_000), "", "tail"};
        GgufBytes b = new GgufBytes().header(3, 0, 1);
        b.str("tokens").u32(9).u32(8).u64(expected.length);
        for (String e : expected) {
            b.str(e);
        }
        try (GgufFile f = GgufFile.open(write(b.toByteArray()))) {
            assertArrayEquals(expected, f.getStringArray("tokens"));
        }
    }

    /**
     * A string array stays as stored until asked for: elements decode one by one (malformed UTF-8 as U+FFFD, as a
     * whole-array decode does), and its CRC-32C covers the stored lengths and bytes.
     */
    @Test
    void stringArraysDecodeElementsOnDemand() throws Exception {
        GgufBytes b = new GgufBytes().header(3, 0, 3);
        b.str("tokens").u32(9).u32(8).u64(3).str("Ġthe").u64(2).bytes(new byte[] {(byte) 0xe2, (byte) 0x96}).str("");
        b.str("same").u32(9).u32(8).u64(3).str("Ġthe").u64(2).bytes(new byte[] {(byte) 0xe2, (byte) 0x96}).str("");
        b.str("other").u32(9).u32(8).u64(3).str("Ġthe").str("x").str("");
        try (GgufFile f = GgufFile.open(write(b.toByteArray()))) {
            GgufStrings s = f.getStrings("tokens");
            assertEquals(3, s.size());
            assertEquals("Ġthe", s.get(0));
            assertEquals("\uFFFD", s.get(1), "a partial UTF-8 character");
            assertEquals("", s.get(2));
            assertArrayEquals(new String[] {"Ġthe", "\uFFFD", ""}, f.getStringArray("tokens"));
            assertEquals(8 + 5 + 8 + 2 + 8, s.storedBytes());
            assertEquals(f.getStrings("same").crc32c(), s.crc32c());
            GgufStrings other = f.getStrings("other");
            assertArrayEquals(new String[] {"Ġthe", "x", ""}, other.toArray());
            assertEquals(s.storedBytes() - 1, other.storedBytes());
            assertTrue(other.crc32c() != s.crc32c());
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.getStrings("missing"));
            assertTrue(e.getMessage().contains("missing"), e.getMessage());
        }
    }

    @Test
    void honoursGeneralAlignment() throws Exception {
        GgufBytes b = new GgufBytes().header(3, 2, 1);
        b.str("general.alignment").u32(4).u32(64);
        b.tensor("a", 0, 0, 4).tensor("b", 0, 64, 4);
        b.align(64).zeros(80);
        try (GgufFile f = GgufFile.open(write(b.toByteArray()))) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(64, f.tensor("b").dataOffset());
        }
    }

    @Test
    void rejectsBrokenFilesWithTheProblemNamed() throws Exception {
        expectFailure(new byte[0], "magic");
        expectFailure(new GgufBytes().u32(0x12345678).toByteArray(), "bad magic");
        expectFailure(new GgufBytes().u32(GgufFile.MAGIC).u32(1).toByteArray(), "version 1");
        expectFailure(new GgufBytes().u32(GgufFile.MAGIC).u32(4).u64(0).u64(0).toByteArray(), "version 4");
        expectFailure(new GgufBytes().u32(GgufFile.MAGIC).u32(3).u64(0).toByteArray(), "metadata_kv_count");
        expectFailure(new GgufBytes().header(3, 0, 1 << 30).toByteArray(), "metadata_kv_count");
        expectFailure(new GgufBytes().header(3, -1, 0).toByteArray(), "tensor_count");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(8).u64(1L << 40).toByteArray(), "string of");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(6).u64(1L << 35).toByteArray(),
                "claims");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(8).u32(3).toByteArray(),
                "file ends inside the length of");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(8).u64(2).str("abcdefghij").u16(1).toByteArray(),
                "file ends inside the length of");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(42).toByteArray(), "unknown value type 42");
        expectFailure(new GgufBytes().header(3, 0, 1).str("k").u32(7).u8(2).toByteArray(), "bool");
        expectFailure(new GgufBytes().header(3, 0, 2).str("k").u32(0).u8(1).str("k").u32(0).u8(1).toByteArray(),
                "duplicate metadata key 'k'");
        expectFailure(tensorFile(b -> b.tensor("t", 99, 0, 32)), "tensor 't' has unknown ggml type id 99");
        expectFailure(tensorFile(b -> b.tensor("t", GgmlType.Q8_0.id(), 0, 33)),
                "tensor 't' of type Q8_0 has rows of 33 values, not a multiple of its block size 32");
        expectFailure(tensorFile(b -> b.tensor("t", GgmlType.Q4_K.id(), 0, 128, 2)),
                "tensor 't' of type Q4_K has rows of 128 values, not a multiple of its block size 256");
        // A truncated block: 256 Q4_K values take one 144-byte super-block, the file holds 64 bytes after the header.
        expectFailure(tensorFile(b -> b.tensor("t", GgmlType.Q4_K.id(), 0, 256)),
                "tensor 't' (144 bytes) extends past the end of the file");
        expectFailure(tensorFile(b -> b.tensor("t", 0, 0, 1L << 40, 1L << 40)), "more elements than fit");
        expectFailure(tensorFile(b -> b.tensor("t", 0, 0, 1L << 61)), "too large");
        expectFailure(tensorFile(b -> b.tensor("t", 0, 0, 1000)), "past the end of the file");
        expectFailure(tensorFile(b -> b.tensor("t", 0, 4, 4)), "alignment");
        expectFailure(tensorFile(b -> b.tensor("t", 0, 0, 2, 2, 2, 2, 2)), "dimensions");
        expectFailure(tensorFile2(b -> b.tensor("a", 0, 0, 16).tensor("b", 0, 32, 16)), "overlaps tensor 'a'");
        expectFailure(tensorFile2(b -> b.tensor("a", 0, 0, 4).tensor("a", 0, 32, 4)), "duplicate tensor name");
        expectFailure(new GgufBytes().header(3, 0, 1).str("general.alignment").u32(4).u32(48).toByteArray(),
                "power of two");
    }

    private byte[] tensorFile(java.util.function.Consumer<GgufBytes> tensor) {
        GgufBytes b = new GgufBytes().header(3, 1, 0);
        tensor.accept(b);
        return b.align(32).zeros(64).toByteArray();
    }

    private byte[] tensorFile2(java.util.function.Consumer<GgufBytes> tensors) {
        GgufBytes b = new GgufBytes().header(3, 2, 0);
        tensors.accept(b);
        return b.align(32).zeros(128).toByteArray();
    }

    private void expectFailure(byte[] bytes, String expected) throws IOException {
        Path p = write(bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close(),
                "expected a failure mentioning '" + expected + "'");
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void closedFilesFailCleanly() throws Exception {
        GgufFile f = GgufFile.open(TestData.model("stories260K.gguf"));
        var data = f.data(f.tensor("output_norm.weight"));
        f.close();
        assertThrows(IllegalStateException.class, () -> data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
    }

    /** Kernels see one segment class for mapped and copied weights ({@link org.jllm.runtime.MappedFiles}). */
    @Test
    void tensorDataIsReadOnlyNativeMemory() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.model("stories260K.gguf"))) {
            var data = f.data(f.tensor("output_norm.weight"));
            assertTrue(data.isReadOnly());
            assertTrue(data.isNative());
            assertEquals(!GgufFile.class.getModule().isNativeAccessEnabled(), data.isMapped(),
                    "a plain native view of the mapping where native access is enabled");
        }
    }
}
