package org.jllm.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jllm.KvCacheType;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.Kernels;
import org.jllm.runtime.Attention;
import org.jllm.runtime.KvCache;
import org.jllm.runtime.Rope;
import org.jllm.sampling.GenerationParams;
import org.jllm.sampling.Sampler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-token operations around the matrix products, single thread, at the llama-3.2-1b shape (dim 2048, 32 query
 * heads and 8 K/V heads of 64, vocabulary 128256): one layer's attention of the token at position {@code pos} over
 * the cache (F32 or F16), RMSNorm, RoPE of the query and key heads, and sampling the next token (greedy, and
 * temperature with top-k 40 and top-p 0.95, llama.cpp's defaults).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class OpsBenchmark {
    private static final int DIM = 2048;
    private static final int HEADS = 32;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 64;
    private static final int VOCAB = 128256;

    /** Position of the token whose attention is measured (it reads pos + 1 cached positions). */
    @Param({"1023"})
    public int pos;

    @Param({"F32", "F16"})
    public String kvCache;

    private FloatOps ops;
    private KvCache kv;
    private Attention attention;
    private Rope rope;
    private Sampler greedy;
    private Sampler sampling;
    private float[] q;
    private float[] k;
    private float[] att;
    private float[] x;
    private float[] weight;
    private float[] normed;
    private float[] logits;

    @Setup(Level.Trial)
    public void setup() {
        ops = Kernels.get().floatOps();
        Random r = new Random(1);
        kv = new KvCache(KvCacheType.valueOf(kvCache), 1, pos + 1, KV_HEADS, HEAD_DIM);
        float[] kRow = new float[KV_HEADS * HEAD_DIM];
        float[] vRow = new float[KV_HEADS * HEAD_DIM];
        for (int t = 0; t <= pos; t++) {
            fill(kRow, r);
            fill(vRow, r);
            kv.store(0, t, kRow, vRow);
        }
        attention = new Attention(HEADS, KV_HEADS, HEAD_DIM, pos + 1, null);
        q = fill(new float[HEADS * HEAD_DIM], r);
        k = fill(new float[KV_HEADS * HEAD_DIM], r);
        att = new float[HEADS * HEAD_DIM];
        x = fill(new float[DIM], r);
        weight = fill(new float[DIM], r);
        normed = new float[DIM];
        rope = new Rope(HEAD_DIM);
        rope.setPosition(pos, 500000f, 1f, null);
        logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = (float) (3 * r.nextGaussian());
        }
        greedy = new Sampler(GenerationParams.greedy(1));
        sampling = new Sampler(GenerationParams.sampling(1, 42));
    }

    private static float[] fill(float[] a, Random r) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Benchmark
    public float[] attention() {
        attention.apply(ops, kv, 0, pos, q, att, false);
        return att;
    }

    @Benchmark
    public float[] rmsNorm() {
        ops.rmsNorm(normed, x, weight, DIM, 1e-5f);
        return normed;
    }

    @Benchmark
    public float[] rope() {
        rope.rotate(q, HEADS, HEAD_DIM);
        rope.rotate(k, KV_HEADS, HEAD_DIM);
        return q;
    }

    @Benchmark
    public int sampleGreedy() {
        return greedy.sample(logits);
    }

    @Benchmark
    public int sampleTopKTopP() {
        return sampling.sample(logits);
    }
}
