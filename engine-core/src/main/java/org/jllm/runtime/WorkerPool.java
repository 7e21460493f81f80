package org.jllm.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * jllm's own threads for splitting one operation (a matrix product) into row ranges: {@code threads - 1} daemon
 * workers plus the calling thread, which works too. Hand-off is a volatile generation counter the workers spin on
 * briefly before parking, and chunks are taken from an atomic counter, so a fork-join costs about a microsecond
 * when the workers are awake. Chunks shrink as the range runs out (guided scheduling: a chunk is the remaining
 * range over twice the thread count, at least the grain), so threads finish close together after few claims. It
 * never uses the common ForkJoinPool, so an application's parallel streams do not compete with inference.
 *
 * <p>One operation runs at a time; a second thread that calls {@link #forRange} meanwhile (another session) runs its
 * operation alone on its own thread instead of waiting.
 */
public final class WorkerPool implements AutoCloseable {
    /** Spins (with onSpinWait) a worker makes before parking: a few tens of microseconds. */
    private static final int SPINS = 20_000;

    /** A body run over sub-ranges of [0, n). */
    public interface RangeTask {
        void run(int from, int to);
    }

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger nextStart = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private RangeTask task;
    private int n;
    private int grain;
    private volatile Throwable failure;

    private WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::work, "jllm-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** A pool of {@code threads} threads in all (the caller included). */
    public static WorkerPool create(int threads) {
        return new WorkerPool(threads);
    }

    /** The default thread count: {@code -Djllm.threads=N}, else the available processors. */
    public static int defaultThreads() {
        String p = System.getProperty("jllm.threads");
        if (p != null) {
            try {
                int t = Integer.parseInt(p.trim());
                if (t >= 1) {
                    return t;
                }
            } catch (NumberFormatException e) {
                // fall through to the processor count
            }
            throw new IllegalArgumentException("-Djllm.threads must be a positive integer, got '" + p + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over [0, n) in chunks on all threads; returns when every chunk is done. Chunks start at
     * multiples of {@code grain} and are at least that long (the last one may be shorter). An exception thrown by
     * the task is rethrown here.
     */
    public void forRange(int n, int grain, RangeTask task) {
        if (threads == 1 || n <= grain || closed || !lock.tryLock()) {
            task.run(0, n);
            return;
        }
        try {
            this.task = task;
            this.n = n;
            this.grain = grain;
            this.failure = null;
            nextStart.set(0);
            pending.set(workers.length);
            generation = generation + 1; // publishes the fields above
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runChunks(task, n, grain);
            while (pending.get() > 0) {
                Thread.onSpinWait();
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException r) {
                    throw r;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(f);
            }
        } finally {
            lock.unlock();
        }
    }

    private void runChunks(RangeTask t, int n, int grain) {
        int share = 2 * threads;
        for (int from = nextStart.get(); from < n; from = nextStart.get()) {
            int size = Math.max(grain, (int) (((long) n - from + share - 1) / share));
            int to = (int) Math.min(n, ((long) from + size + grain - 1) / grain * grain);
            if (nextStart.compareAndSet(from, to)) {
                t.run(from, to);
            }
        }
    }

    private void work() {
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                int spins = 0;
                while ((g = generation) == seen && !closed) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (closed) {
                    return;
                }
            }
            seen = g;
            try {
                runChunks(task, n, grain);
            } catch (Throwable e) {
                failure = e;
                nextStart.set(Integer.MAX_VALUE); // stop handing out chunks
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** Stops the workers; later operations run on the calling thread. */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
