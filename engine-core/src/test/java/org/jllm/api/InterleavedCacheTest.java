package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.WeightLayout;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interleaved weight cache: a load that writes it and one that maps it compute exactly what a load without it
 * computes (the same bytes, the same kernels), a damaged or stale cache is rewritten, not trusted, and a directory
 * that cannot hold it only costs the cache.
 */
class InterleavedCacheTest {
    private static final int[] PROMPT = {1, 403, 9, 1028, 77, 5, 300, 12};

    @TempDir
    Path dir;

    private Path model;

    @BeforeEach
    void copyModel() throws IOException {
        assumeTrue(Kernels.get().rowInterleaved(GgmlType.Q8_0) != null,
                "skipped: these kernels have no interleaved layouts (needs the Vector API with 512-bit vectors)");
        model = Files.copy(TestData.model("tinystories-656k-q8_0.gguf"), dir.resolve("model.gguf"));
    }

    @Test
    void aCachedLoadComputesTheSameLogitsAsAFreshOne() throws Exception {
        Path cache = dir.resolve("cache");
        float[][] fresh = logits(null);
        float[][] writing = logits(cache);
        Object written = fileKey(onlyCacheFile(cache));
        float[][] mapped = logits(cache);
        for (int i = 0; i < PROMPT.length; i++) {
            assertArrayEquals(fresh[i], writing[i], 0f, "position " + i + ", the load that wrote the cache");
            assertArrayEquals(fresh[i], mapped[i], 0f, "position " + i + ", the load that mapped it");
        }
        assertEquals(written, fileKey(onlyCacheFile(cache)), "the second load mapped the file, did not replace it");
    }

    @Test
    void aDamagedCacheIsRewrittenNotRead() throws Exception {
        Path cache = dir.resolve("cache");
        float[][] fresh = logits(null);
        logits(cache);
        Path file = onlyCacheFile(cache);
        long length = Files.size(file);
        byte[] header = Files.readAllBytes(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(20); // inside the key
            f.write(header[20] ^ 0xff);
        }
        assertArrayEquals(fresh[PROMPT.length - 1], logits(cache)[PROMPT.length - 1], 0f, "a wrong key");
        assertEquals(header[20], Files.readAllBytes(onlyCacheFile(cache))[20], "the key is rewritten");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length - 4096);
        }
        assertArrayEquals(fresh[PROMPT.length - 1], logits(cache)[PROMPT.length - 1], 0f, "a truncated file");
        assertEquals(length, Files.size(onlyCacheFile(cache)), "rewritten at full length");
    }

    @Test
    void aChangedModelFileReplacesItsCache() throws Exception {
        Path cache = dir.resolve("cache");
        logits(cache);
        Path first = onlyCacheFile(cache);
        String name = first.getFileName().toString();
        String prefix = name.substring(0, name.lastIndexOf('-') + 1);
        Path abandoned = Files.writeString(cache.resolve(prefix + "0.jllm-interleaved1.tmp"), "x");
        Files.setLastModifiedTime(abandoned, FileTime.fromMillis(System.currentTimeMillis() - 7_200_000));
        Path writing = Files.writeString(cache.resolve(prefix + "1.jllm-interleaved2.tmp"), "x");
        Files.setLastModifiedTime(model, FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() - 60_000));
        logits(cache);
        assertTrue(Files.notExists(abandoned), "a temporary file two hours old is deleted");
        Files.delete(writing); // one being written by another process is not
        assertNotEquals(first, onlyCacheFile(cache), "a new key, the old cache deleted");
    }

    /** A model rewritten in place at the same size and modification time is not read from its old cache. */
    @Test
    void aModelRewrittenWithinTheSameSecondIsNotReadFromTheOldCache() throws Exception {
        Path cache = dir.resolve("cache");
        float[][] before = logits(cache);
        FileTime mtime = Files.getLastModifiedTime(model);
        long at;
        try (org.jllm.gguf.GgufFile f = org.jllm.gguf.GgufFile.open(model)) {
            at = f.dataOffset() + f.tensor("blk.0.ffn_down.weight").dataOffset() + 2; // a quant of block 0
        }
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.seek(at);
            int q = f.read();
            f.seek(at);
            f.write(q ^ 0x40);
        }
        Files.setLastModifiedTime(model, mtime);
        float[][] fresh = logits(null);
        assertNotEquals(before[PROMPT.length - 1][0], fresh[PROMPT.length - 1][0], "the change moves the logits");
        assertArrayEquals(fresh[PROMPT.length - 1], logits(cache)[PROMPT.length - 1], 0f,
                "the cached load computes with the file's new weights");
    }

    @Test
    void modelsOfTheSameNameInOtherFoldersKeepTheirOwnCaches() throws Exception {
        Path cache = dir.resolve("cache");
        Path other = Files.copy(model, Files.createDirectory(dir.resolve("other")).resolve("model.gguf"));
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(model));
        logits(cache);
        Path first = onlyCacheFile(cache);
        Path second;
        Model.load(other, Kernels.get(), 2, WeightLayout.INTERLEAVED, cache).close();
        try (Stream<Path> files = Files.list(cache)) {
            List<Path> all = files.sorted().toList();
            assertEquals(2, all.size(), all.toString());
            second = all.get(0).equals(first) ? all.get(1) : all.get(0);
        }
        Object firstKey = fileKey(first);
        logits(cache);
        assertEquals(firstKey, fileKey(first), "the first model's cache is still there and mapped");
        assertTrue(Files.exists(second));
    }

    @Test
    void aDirectoryThatCannotHoldTheCacheOnlyCostsTheCache() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        assertArrayEquals(logits(null)[PROMPT.length - 1], logits(notADirectory.resolve("cache"))[PROMPT.length - 1],
                0f);
    }

    private float[][] logits(Path cache) throws IOException {
        float[][] out = new float[PROMPT.length][];
        try (Model m = Model.load(model, Kernels.get(), 2, WeightLayout.INTERLEAVED, cache);
             Session s = m.newSession(16)) {
            for (int i = 0; i < PROMPT.length; i++) {
                out[i] = s.evaluate(PROMPT[i]).clone();
            }
        }
        return out;
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static Path onlyCacheFile(Path cache) throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), "files in the cache directory: " + all);
            assertEquals(true, all.get(0).getFileName().toString().endsWith(".jllm-interleaved"), all.toString());
            return all.get(0);
        }
    }
}
