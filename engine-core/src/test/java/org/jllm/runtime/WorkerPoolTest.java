package org.jllm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.kernels.Kernels;
import org.jllm.testing.TestData;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    /** Every index once, in chunks that start at a multiple of the grain and are at least that long but the last. */
    @Test
    void everyIndexRunsExactlyOnce() {
        try (WorkerPool pool = WorkerPool.create(3)) {
            for (int n : new int[] {1, 15, 16, 17, 1000, 4097}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                AtomicIntegerArray badChunks = new AtomicIntegerArray(1);
                for (int round = 0; round < 50; round++) {
                    pool.forRange(n, 16, (from, to) -> {
                        if (from % 16 != 0 || (to - from < 16 && to != n)) {
                            badChunks.incrementAndGet(0);
                        }
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(50, hits.get(i), "n=" + n + " index " + i);
                }
                assertEquals(0, badChunks.get(0), "n=" + n + ": chunks off the grain");
            }
        }
    }

    @Test
    void aTaskFailureReachesTheCaller() {
        try (WorkerPool pool = WorkerPool.create(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forRange(1000, 10,
                    (from, to) -> {
                        if (from <= 500 && 500 < to) {
                            throw new IllegalStateException("chunk " + from);
                        }
                    }));
            assertTrue(e.getMessage().startsWith("chunk"), e.getMessage());
            int[] sum = new int[1];
            pool.forRange(4, 1, (from, to) -> {
                synchronized (sum) {
                    sum[0] += to - from;
                }
            });
            assertEquals(4, sum[0], "the pool still works after a failure");
        }
    }

    /** Rows are independent, so splitting them over threads gives the same bits as one thread. */
    @Test
    void threadedForwardPassEqualsSingleThreaded() throws Exception {
        Path file = TestData.sharedFile("models/synthetic/synth-llama-256-f32.gguf");
        try (Model one = Model.load(file, Kernels.get(), 1); Model two = Model.load(file, Kernels.get(), 2);
             Session a = one.newSession(32); Session b = two.newSession(32)) {
            assertEquals(2, two.threads());
            for (int token : new int[] {1, 100, 7, 250, 3}) {
                assertArrayEquals(a.evaluate(token), b.evaluate(token), 0f, "token " + token);
            }
        }
    }
}
