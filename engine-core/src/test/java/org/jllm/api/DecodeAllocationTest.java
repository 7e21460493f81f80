package org.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jllm.KvCacheType;
import org.jllm.Model;
import org.jllm.Session;
import org.jllm.sampling.Sampler;
import org.jllm.testing.ReferenceModels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding allocates nothing on the Java heap: every buffer a token needs lives in the session, the model or the
 * worker threads. Measured with the JVM's per-thread allocation counters, on the calling thread and the model's
 * workers, over windows of 32 tokens: until the JIT has compiled the kernels, interpreted Vector API code allocates
 * (when depends on the machine and on what else ran in this JVM), so the test looks for a window that allocates
 * nothing within a budget of windows. A per-token allocation would show in every window. Runs in a JVM of its own
 * (tag "allocation", see engine-core's pom).
 */
@Tag("allocation")
class DecodeAllocationTest {
    private static final int MEASURED = 32;
    private static final int MAX_WINDOWS = 400;

    static Stream<Arguments> models() {
        return Stream.concat(ReferenceModels.FLOAT_MODELS.stream(), ReferenceModels.QUANTIZED_MODELS.stream())
                .flatMap(id -> Stream.of(Arguments.of(id, KvCacheType.F32), Arguments.of(id, KvCacheType.F16)));
    }

    @ParameterizedTest(name = "{0} {1} K/V cache")
    @MethodSource("models")
    void thirtyTwoTokensAllocateNothing(String modelId, KvCacheType kvType) {
        Model model = ReferenceModels.model(modelId);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threadIds();
        long allocated = -1;
        try (Session session = model.newSession(Math.min(model.config().contextLength(), 512), kvType)) {
            float[] logits = null;
            for (int window = 0; window < MAX_WINDOWS && allocated != 0; window++) {
                if (logits == null || session.position() + MEASURED > session.contextLength()) {
                    session.reset();
                    logits = session.evaluate(new int[] {1, 20, 30, 40});
                }
                long before = allocatedBytes(threads, ids);
                for (int i = 0; i < MEASURED; i++) {
                    logits = session.evaluate(Sampler.argmax(logits));
                }
                allocated = allocatedBytes(threads, ids) - before;
            }
        }
        assertEquals(0, allocated, modelId + " (" + kvType + " K/V cache): bytes allocated by " + MEASURED
                + " decoded tokens on " + ids.length + " threads, in the last of " + MAX_WINDOWS + " windows");
    }

    /** The calling thread and the model's workers. */
    private static long[] threadIds() {
        List<Long> ids = new ArrayList<>(List.of(Thread.currentThread().threadId()));
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("jllm-worker-")) {
                ids.add(t.threadId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** Summed thread by thread: the array form of getThreadAllocatedBytes would count its own result array. */
    private static long allocatedBytes(com.sun.management.ThreadMXBean threads, long[] ids) {
        long s = 0;
        for (long id : ids) {
            s += threads.getThreadAllocatedBytes(id);
        }
        return s;
    }
}
