package org.jllm.model;

import org.jllm.kernels.FloatOps;
import org.jllm.kernels.WeightKernel;
import org.jllm.runtime.WorkerPool;

/**
 * Matrix-matrix products of a block of tokens (a prompt), split by rows over a {@link WorkerPool}. Each thread
 * dequantizes a tile of {@value #TILE_ROWS} weight rows once and multiplies it with every token of the block, so the
 * weights are read from memory once per block instead of once per token. The block is packed once per product
 * ({@link FloatOps#packTokens}: the vector kernels put the token in the lane) and shared by all threads.
 *
 * <p>The activations are first rounded the way the weight type's dot product sees them
 * ({@link WeightKernel#roundInput}): F16/BF16 rounding, or 8-bit block quantization scaled back. So a block gives the
 * token-by-token results up to float rounding (for F32 and F16 weights exactly their bits). One per session; not
 * thread-safe.
 */
public final class MatMuls implements WorkerPool.RangeTask {
    static final int TILE_ROWS = 16;
    /** Per worker thread: the dequantized tile and its products, grown on demand and kept. */
    private static final ThreadLocal<Tile> TILES = ThreadLocal.withInitial(Tile::new);

    private final WorkerPool pool;
    private final FloatOps ops;
    /** The block's activations as the current kernel sees them, token after token. */
    private float[] input = new float[0];
    /** The same, packed for {@link FloatOps#matMulTile}. */
    private float[] packed = new float[0];
    private final Linear[] one = new Linear[1];
    private final float[][][] oneOut = new float[1][][];
    // The product being run: matrices [first, last) of linears, whose rows are laid end to end, on n tokens.
    private Linear[] linears;
    private float[][][] outs;
    private int first;
    private int last;
    private int tokens;

    public MatMuls(WorkerPool pool, FloatOps ops) {
        this.pool = pool;
        this.ops = ops;
    }

    /** out[t] = W x[t] for the first {@code n} rows of x and out. */
    public void apply(Linear w, float[][] x, int n, float[][] out) {
        one[0] = w;
        oneOut[0] = out;
        applyAll(x, n, one, oneOut);
        one[0] = null;
        oneOut[0] = null;
    }

    /** outs[i][t] = W_i x[t] for matrices reading the same x; the input is rounded once per run of one kernel. */
    public void applyAll(float[][] x, int n, Linear[] ws, float[][][] outs) {
        int i = 0;
        while (i < ws.length) {
            WeightKernel k = ws[i].kernel();
            int j = i + 1;
            while (j < ws.length && ws[j].kernel() == k) {
                j++;
            }
            int cols = ws[i].inFeatures();
            if (input.length < n * cols) {
                input = new float[n * cols];
            }
            float[] in = input;
            // Token by token, split over the threads (the other threads would wait for it otherwise).
            pool.forRange(n, 8, (from, to) -> {
                for (int t = from; t < to; t++) {
                    k.roundInput(x[t], 0, cols, in, t * cols);
                    k.toTileOrder(in, t * cols, cols);
                }
            });
            int length = ops.packedTokensLength(n, cols);
            if (packed.length < length) {
                packed = new float[length];
            }
            ops.packTokens(input, n, cols, packed);
            run(ws, outs, i, j, n);
            i = j;
        }
    }

    private void run(Linear[] ws, float[][][] o, int from, int to, int n) {
        int rows = 0;
        for (int i = from; i < to; i++) {
            rows += ws[i].outFeatures();
        }
        this.linears = ws;
        this.outs = o;
        this.first = from;
        this.last = to;
        this.tokens = n;
        pool.forRange(rows, TILE_ROWS, this);
        this.linears = null;
        this.outs = null;
    }

    /** Rows [from, to) of the matrices laid end to end. */
    @Override
    public void run(int from, int to) {
        Tile tile = TILES.get();
        int n = tokens;
        int base = 0;
        for (int i = first; i < last && base < to; i++) {
            Linear w = linears[i];
            int rows = w.outFeatures();
            int lo = Math.max(from, base) - base;
            int hi = Math.min(to, base + rows) - base;
            int cols = w.inFeatures();
            float[][] out = outs[i];
            for (int r = lo; r < hi; r += TILE_ROWS) {
                int m = Math.min(TILE_ROWS, hi - r);
                float[] wt = tile.weights(m * cols);
                for (int j = 0; j < m; j++) {
                    w.kernel().dequantizeRow(w.weight().data(), cols, r + j, wt, j * cols);
                    w.kernel().toTileOrder(wt, j * cols, cols);
                }
                float[] products = tile.products(n * m);
                ops.matMulTile(wt, m, cols, packed, n, products);
                for (int t = 0; t < n; t++) {
                    float[] o = out[t];
                    for (int j = 0; j < m; j++) {
                        o[r + j] = products[j * n + t];
                    }
                }
            }
            base += rows;
        }
    }

    private static final class Tile {
        private float[] weights = new float[0];
        private float[] products = new float[0];

        float[] weights(int n) {
            if (weights.length < n) {
                weights = new float[n];
            }
            return weights;
        }

        float[] products(int n) {
            if (products.length < n) {
                products = new float[n];
            }
            return products;
        }
    }
}
