package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jllm.ContextLengthExceededException;
import org.jllm.GenerationResult;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.sampling.GenerationParams;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SessionTest {
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(TestData.model("stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void contextOverflowIsRefusedBeforeAnythingIsRead() {
        try (Session s = model.newSession(16)) {
            int[] prompt = model.tokenizer().encode("Once upon a time there was", true);
            ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                    () -> s.generate(prompt, GenerationParams.greedy(16), (id, t) -> true));
            assertTrue(e.getMessage().contains("context holds 16"), e.getMessage());
            assertEquals(0, s.position(), "nothing was read");
            // Exactly filling the context is fine: the last generated token is never read.
            GenerationResult r = s.generate(prompt, GenerationParams.greedy(16 - prompt.length + 1)
                    .withStopAtEndOfGeneration(false), (id, t) -> true);
            assertEquals(16 - prompt.length + 1, r.generatedIds().length);
            assertThrows(ContextLengthExceededException.class, () -> s.evaluate(new int[] {1, 2}));
        }
    }

    @Test
    void listenerCanStopGeneration() {
        try (Session s = model.newSession(64)) {
            List<Integer> seen = new ArrayList<>();
            GenerationResult r = s.generate("Once upon a time", GenerationParams.greedy(20), (id, t) -> {
                seen.add(id);
                return seen.size() < 3;
            });
            assertEquals(3, r.generatedIds().length);
            assertEquals(GenerationResult.StopReason.LISTENER, r.stopReason());
        }
    }

    @Test
    void concurrentSessionsShareOneModel() throws Exception {
        GenerationParams params = GenerationParams.sampling(40, 7).withStopAtEndOfGeneration(false);
        int[] expected;
        try (Session s = model.newSession(64)) {
            expected = s.generate("The little dog", params, (id, t) -> true).generatedIds();
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    try (Session s = model.newSession(64)) {
                        return s.generate("The little dog", params, (id, t) -> true).generatedIds();
                    }
                }));
            }
            for (Future<int[]> f : futures) {
                assertArrayEquals(expected, f.get(), "same seed, same ids, whatever the thread");
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badTokensAndPositionsAreRejected() {
        try (Session s = model.newSession(8)) {
            assertThrows(IllegalArgumentException.class, () -> s.evaluate(512));
            assertThrows(IllegalArgumentException.class, () -> s.evaluate(-1));
        }
        assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
    }
}
