package org.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.jllm.Model;
import org.jllm.model.ModelFormatException;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mutates and truncates the committed GGUF files thousands of times (seeded) and loads each result as a model: only
 * {@link GgufFormatException} or {@link ModelFormatException} may come out. No other exception, no
 * OutOfMemoryError, no hang.
 */
class GgufFuzzTest {
    static final int ITERATIONS = 2500;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "tinystories-656k-f32.gguf"})
    void mutatedFilesFailCleanly(String name) throws Exception {
        byte[] original = Files.readAllBytes(TestData.model(name));
        long headerEnd;
        try (GgufFile f = GgufFile.open(TestData.model(name))) {
            headerEnd = f.dataOffset();
        }
        Random random = new Random(name.hashCode());
        Path target = tmp.resolve("fuzz.gguf");
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            int opened = 0;
            for (int i = 0; i < ITERATIONS; i++) {
                // Mutations land in the header, metadata and tensor table, where the parser reads; the data section
                // only matters through its size, so the file keeps its length (sparse) unless it is truncated.
                byte[] head = java.util.Arrays.copyOf(original, (int) headerEnd);
                long length = original.length;
                int kind = random.nextInt(4);
                int edits = 1 + random.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = random.nextInt(head.length);
                    switch (kind) {
                        case 0 -> head[at] = (byte) random.nextInt(256);
                        case 1 -> head[at] ^= (byte) (1 << random.nextInt(8));
                        case 2 -> { // a plausible-looking huge or small 64-bit length
                            long v = random.nextBoolean() ? random.nextLong() : random.nextInt(1 << 20);
                            for (int k = 0; k < 8 && at + k < head.length; k++) {
                                head[at + k] = (byte) (v >>> (8 * k));
                            }
                        }
                        default -> length = random.nextLong(original.length);
                    }
                }
                write(target, head, length);
                try (Model m = Model.load(target)) {
                    opened++;
                } catch (GgufFormatException | ModelFormatException expected) {
                    // the point of the test
                } catch (Throwable t) {
                    fail("iteration " + i + " (mutation kind " + kind + "): unexpected " + t, t);
                }
            }
            System.out.println(name + ": " + opened + " of " + ITERATIONS + " mutated files still loaded");
        });
    }

    private static void write(Path target, byte[] head, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
            f.setLength(0);
            f.write(head, 0, (int) Math.min(head.length, length));
            f.setLength(length);
        }
    }
}
