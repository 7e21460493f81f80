package org.jllm.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find their data: {@code models/} (committed, always there) and {@code ../shared} (models and llama.cpp
 * references; tests that need it skip with a message when it is absent).
 */
public final class TestData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestData() {
    }

    public static Path models() {
        return Path.of(System.getProperty("jllm.models", "../models")).toAbsolutePath().normalize();
    }

    /** A committed model under {@code models/}. */
    public static Path model(String name) {
        Path p = models().resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("committed test model missing: " + p);
        }
        return p;
    }

    public static Path shared() {
        return Path.of(System.getProperty("jllm.shared", "../../shared")).toAbsolutePath().normalize();
    }

    /** A file under {@code ../shared}; the calling test is skipped when it is absent. */
    public static Path sharedFile(String relative) {
        Path p = shared().resolve(relative);
        assumeTrue(Files.exists(p), () -> "skipped: " + p + " is absent (the ../shared data set is not here)");
        return p;
    }

    public static boolean sharedExists(String relative) {
        return Files.exists(shared().resolve(relative));
    }

    public static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    public static float[] littleEndianFloats(Path p) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
