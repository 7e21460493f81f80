package org.jllm.model;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jllm.kernels.Activations;
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
 * token-by-token results up to float rounding (for F32 and F16 weights exactly their bits).
 *
 * <p>Weights with int16 blocks ({@link WeightKernel#hasInt16Blocks}: Q4_0) multiply integers instead: the block's
 * activations are quantized as for the kernel's matVec and packed with the token in the lane, each tile's rows become
 * int16 values with their scales, and {@link FloatOps#matMulInt16Tile} sums exact integers per block of 32 and takes
 * the row-interleaved matVec's float steps: a block gets the interleaved kernel's bits for every token, 1.1-1.3x
 * as fast as float tiles (1B Q4_0, 2 threads, pp128, alternated).
 *
 * <p>A block of few tokens ({@link #smallestTileBlock}) takes matrix-vector products instead, each token's with the
 * kernel of {@link MatVecs} (the same bits as token by token), a few rows at a time for all the tokens, so the
 * weights come from memory once and from cache for the other tokens. Tiles cost about as much for 2 tokens as for
 * 32: every weight is made into a tile once per block, and Q4_0's integer tiles pad the tokens to 32 lanes. One per
 * session; not thread-safe.
 */
public final class MatMuls implements WorkerPool.RangeTask {
    /**
     * Rows per tile: each group of 4 token vectors of the packed block is read from L1 by every row of the tile, so
     * taller tiles read it from L2 less often (1B pp128, 2 threads, alternated: Q8_0 82-109 tok/s with 16 rows,
     * 96-121 with 32, 112-123 with 64; Q4_0's integer tiles 121-156, 119-164, 121-151).
     */
    static final int TILE_ROWS = 32;
    /** Weight bytes of the rows that matrix-vector products of a small block take for every token before moving on. */
    private static final long VECTOR_STEP_BYTES = 128 * 1024;
    /** Per worker thread: the dequantized tile and its products, grown on demand and kept. */
    private static final ThreadLocal<Tile> TILES = ThreadLocal.withInitial(Tile::new);
    private static final int Q8_BLOCK = 32;

    private final WorkerPool pool;
    private final FloatOps ops;
    /** The block's activations as the current kernel sees them, token after token. */
    private float[] input = new float[0];
    /** The same, packed for {@link FloatOps#matMulTile}. */
    private float[] packed = new float[0];
    /** Or, for weights with int16 blocks, the block's 8-bit activations and their block scales, packed. */
    private short[] packedShorts = new short[0];
    private float[] packedScales = new float[0];
    private final Linear[] one = new Linear[1];
    private final float[][][] oneOut = new float[1][][];
    // The product being run: matrices [first, last) of linears, whose rows are laid end to end, on n tokens.
    private Linear[] linears;
    private float[][][] outs;
    private int first;
    private int last;
    private int tokens;
    /** Whether the product takes integer tiles ({@link WeightKernel#hasInt16Blocks}). */
    private boolean int16;
    /** Whether the product takes matrix-vector products ({@link #smallestTileBlock}), and their inputs. */
    private boolean vectors;
    private Activations[] prepared = new Activations[0];

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
            vectors = n < smallestTileBlock(ws[i].kernel());
            WeightKernel k = vectors ? ws[i].matVecKernel() : ws[i].kernel();
            int j = i + 1;
            while (j < ws.length && (vectors ? ws[j].matVecKernel() : ws[j].kernel()) == k) {
                j++;
            }
            int cols = ws[i].inFeatures();
            int16 = k.hasInt16Blocks();
            if (vectors) {
                prepareVectors(k, x, n, cols);
            } else if (int16) {
                packInt16(k, x, n, cols);
            } else {
                packFloats(k, x, n, cols);
            }
            run(ws, outs, i, j, n);
            i = j;
        }
    }

    /**
     * Blocks of fewer tokens than this take matrix-vector products instead of tiles: where the two took as long,
     * measured on the 1B shape with 2 threads. Products: about 10-12 ms a token after the first (their weights then
     * come from cache), 30-40 ms for 2 tokens; Q8_0 0.13 s for 8 tokens, 0.23 for 16, 0.28-0.30 for 20, 0.34 for 24,
     * 0.38 for 28. Float tiles (32 rows; Q8_0, Q4_K_M): 0.29-0.31 s for 8 to 16 tokens, 0.33-0.36 s for 20 to 28, so
     * the same at about 24. Q4_0's integer tiles: 0.35-0.37 s for 32 tokens (padded to 32 lanes), 0.47-0.52 s for
     * 40-48, 0.48-0.54 s for 56, against products' 0.28-0.33, 0.35-0.45, 0.48-0.52: the same at about 56.
     */
    static int smallestTileBlock(WeightKernel k) {
        return k.hasInt16Blocks() ? 56 : 24;
    }

    /** Each token's activations prepared for {@code k}'s matVec. */
    private void prepareVectors(WeightKernel k, float[][] x, int n, int cols) {
        if (prepared.length < n) {
            Activations[] grown = Arrays.copyOf(prepared, n);
            for (int t = prepared.length; t < n; t++) {
                grown[t] = new Activations();
            }
            prepared = grown;
        }
        Activations[] p = prepared;
        pool.forRange(n, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                k.prepareInput(x[t], cols, p[t]);
            }
        });
    }

    /** The block's activations rounded as {@code k}'s matVec sees them, packed for {@link FloatOps#matMulTile}. */
    private void packFloats(WeightKernel k, float[][] x, int n, int cols) {
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
    }

    /**
     * The block's activations quantized as {@code k}'s matVec sees them, 32 tokens at a time over the pool, into the
     * token-in-lane layout of {@link FloatOps#matMulInt16Tile} (zeros after the last token).
     */
    private void packInt16(WeightKernel k, float[][] x, int n, int cols) {
        int nPad = FloatOps.int16Padded(n);
        int blocks = cols / Q8_BLOCK;
        if (packedShorts.length < nPad * cols) {
            packedShorts = new short[nPad * cols];
            packedScales = new float[nPad * blocks];
        } else if (packedScales.length < nPad * blocks) {
            packedScales = new float[nPad * blocks];
        }
        short[] q = packedShorts;
        float[] d = packedScales;
        // Whole lines of 32 tokens per thread: threads never write the same cache line.
        pool.forRange(n, 32, (from, to) -> k.int16Input(x, from, to, cols, q, d, nPad));
        for (int c = 0; c < cols && n < nPad; c++) {
            Arrays.fill(q, c * nPad + n, c * nPad + nPad, (short) 0);
        }
        for (int b = 0; b < blocks && n < nPad; b++) {
            Arrays.fill(d, b * nPad + n, b * nPad + nPad, 0f);
        }
    }

    private void run(Linear[] ws, float[][][] o, int from, int to, int n) {
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
        this.tokens = n;
        // Matrix-vector products split as MatVecs splits them: at multiples of 32 rows, as interleaved layouts need.
        int grain = TILE_ROWS;
        if (vectors) {
            grain = (int) Math.min(rows, (Math.max(1, VECTOR_STEP_BYTES * rows / Math.max(1, bytes)) + 31) & ~31);
        }
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
            int lo = Math.max(from, base) - base;
            int hi = Math.min(to, base + rows) - base;
            if (lo < hi) {
                if (vectors) {
                    vectorRows(w, outs[i], lo, hi);
                } else {
                    tileRows(w, outs[i], lo, hi);
                }
            }
            base += rows;
        }
    }

    /** Rows [lo, hi) of {@code w} for every token, a tile of {@value #TILE_ROWS} rows at a time. */
    private void tileRows(Linear w, float[][] out, int lo, int hi) {
        Tile tile = TILES.get();
        int n = tokens;
        int cols = w.inFeatures();
        for (int r = lo; r < hi; r += TILE_ROWS) {
            int m = Math.min(TILE_ROWS, hi - r);
            float[] products = tile.products(n * m);
            if (int16) {
                int[] pairs = tile.pairs(m * cols);
                float[] scales = tile.scales(m * cols / Q8_BLOCK);
                for (int j = 0; j < m; j++) {
                    w.kernel().int16Row(w.weight().data(), cols, r + j, pairs, j * cols, scales,
                            j * cols / Q8_BLOCK);
                }
                ops.matMulInt16Tile(pairs, scales, m, cols, packedShorts, packedScales, n, products);
            } else {
                float[] wt = tile.weights(m * cols);
                for (int j = 0; j < m; j++) {
                    w.kernel().dequantizeRow(w.weight().data(), cols, r + j, wt, j * cols);
                    w.kernel().toTileOrder(wt, j * cols, cols);
                }
                ops.matMulTile(wt, m, cols, packed, n, products);
            }
            for (int t = 0; t < n; t++) {
                float[] o = out[t];
                for (int j = 0; j < m; j++) {
                    o[r + j] = products[j * n + t];
                }
            }
        }
    }

    /**
     * Rows [lo, hi) of {@code w} by matrix-vector products: a step of rows (about {@link #VECTOR_STEP_BYTES} of
     * weights, a multiple of 32) for every token, then the next step.
     */
    private void vectorRows(Linear w, float[][] out, int lo, int hi) {
        WeightKernel k = w.matVecKernel();
        MemorySegment data = w.matVecData();
        int cols = w.inFeatures();
        int rows = w.outFeatures();
        int step = (int) Math.max(32, (VECTOR_STEP_BYTES * rows / Math.max(1, data.byteSize())) & ~31);
        for (int r = lo; r < hi; r += step) {
            int end = Math.min(hi, r + step);
            for (int t = 0; t < tokens; t++) {
                k.matVec(data, cols, prepared[t], out[t], r, end);
            }
        }
    }

    /** A thread's tile buffers, grown on demand and kept. */
    private static final class Tile {
        private float[] weights = new float[0];
        private float[] products = new float[0];
        private int[] pairs = new int[0];
        private float[] scales = new float[0];

        int[] pairs(int n) {
            return pairs = pairs.length < n ? new int[n] : pairs;
        }

        float[] scales(int n) {
            return scales = atLeast(scales, n);
        }

        float[] weights(int n) {
            return weights = atLeast(weights, n);
        }

        float[] products(int n) {
            return products = atLeast(products, n);
        }

        private static float[] atLeast(float[] a, int n) {
            return a.length < n ? new float[n] : a;
        }
    }
}
