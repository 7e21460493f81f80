package org.jllm.model;

import org.jllm.kernels.Activations;
import org.jllm.kernels.WeightKernel;
import org.jllm.runtime.WorkerPool;

/**
 * Matrix-vector products of one sequence, split by rows over a {@link WorkerPool}. Holds the activation buffer and
 * is itself the pool's task, so a product allocates nothing. One per session; not thread-safe.
 */
public final class MatVecs implements WorkerPool.RangeTask {
    /** Below this many weight bytes a chunk of a product is not worth claiming. */
    private static final long MIN_BYTES_PER_CHUNK = 64 * 1024;

    private final WorkerPool pool;
    private final Activations scratch = new Activations();
    private final Linear[] one = new Linear[1];
    private final float[][] oneOut = new float[1][];
    // The product being run: matrices [first, last) of linears, whose rows are laid end to end.
    private Linear[] linears;
    private float[][] outs;
    private int first;
    private int last;

    public MatVecs(WorkerPool pool) {
        this.pool = pool;
    }

    /** out = W x. */
    public void apply(Linear w, float[] x, float[] out) {
        w.matVecKernel().prepareInput(x, w.inFeatures(), scratch);
        one[0] = w;
        oneOut[0] = out;
        run(one, oneOut, 0, 1);
        one[0] = null;
        oneOut[0] = null;
    }

    /**
     * outs[i] = W_i x for matrices reading the same x. The activations are prepared once per run of matrices with
     * the same kernel, and each run's rows are split over the pool in one fork-join.
     */
    public void applyAll(float[] x, Linear[] ws, float[][] outs) {
        int i = 0;
        while (i < ws.length) {
            WeightKernel k = ws[i].matVecKernel();
            int j = i + 1;
            while (j < ws.length && ws[j].matVecKernel() == k) {
                j++;
            }
            k.prepareInput(x, ws[i].inFeatures(), scratch);
            run(ws, outs, i, j);
            i = j;
        }
    }

    private void run(Linear[] ws, float[][] o, int from, int to) {
        int rows = 0;
        long bytes = 0;
        for (int i = from; i < to; i++) {
            rows += ws[i].outFeatures();
            bytes += ws[i].matVecData().byteSize();
        }
        this.linears = ws;
        this.outs = o;
        this.first = from;
        this.last = to;
        // The pool's chunks shrink towards the grain as the rows run out: a few weight pages, at a multiple of 32
        // rows, as interleaved layouts need (when every matrix's rows are).
        int grain = (int) Math.min(rows, Math.max(1, MIN_BYTES_PER_CHUNK * rows / Math.max(1, bytes)));
        grain = (grain + 31) & ~31;
        pool.forRange(rows, grain, this);
        this.linears = null;
        this.outs = null;
    }

    /** Rows [from, to) of the matrices laid end to end. */
    @Override
    public void run(int from, int to) {
        int base = 0;
        for (int i = first; i < last && base < to; i++) {
            Linear w = linears[i];
            int rows = w.outFeatures();
            int lo = Math.max(from, base);
            int hi = Math.min(to, base + rows);
            if (lo < hi) {
                w.matVecKernel().matVec(w.matVecData(), w.inFeatures(), scratch, outs[i], lo - base, hi - base);
            }
            base += rows;
        }
    }
}
