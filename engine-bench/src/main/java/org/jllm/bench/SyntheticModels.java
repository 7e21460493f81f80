package org.jllm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufQuantizer;
import org.jllm.gguf.GgufWriter;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.quant.Quantizers;

/**
 * Writes models of real shapes with random weights and a real vocabulary (copied from a vocabulary GGUF in
 * {@code ../shared/models/vocab}), so benchmarks need no downloads. The files are ordinary GGUF, valid for
 * llama.cpp too. Weights are uniform in [-0.035, 0.035] (standard deviation 0.02), norms are 1.
 */
public final class SyntheticModels {

    /** A model shape: the hyper-parameters of a published model. */
    public record Shape(String name, String architecture, int dim, int layers, int heads, int kvHeads,
                        int feedForward, int contextLength, float ropeBase, boolean tiedOutput, boolean qkvBias,
                        String vocabulary) {
    }

    public static final Map<String, Shape> SHAPES = Map.of(
            "llama-3.2-1b", new Shape("llama-3.2-1b", "llama", 2048, 16, 32, 8, 8192, 131072, 500000f, true, false,
                    "ggml-vocab-llama-bpe.gguf"),
            "qwen2.5-0.5b", new Shape("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 4864, 32768, 1000000f, true, true,
                    "ggml-vocab-qwen2.gguf"),
            "smollm2-135m", new Shape("smollm2-135m", "llama", 576, 30, 9, 3, 1536, 8192, 100000f, true, false,
                    "ggml-vocab-starcoder.gguf"),
            "stories110m", new Shape("stories110m", "llama", 768, 12, 12, 12, 2048, 1024, 10000f, false, false,
                    "ggml-vocab-llama-spm.gguf"));

    private SyntheticModels() {
    }

    /**
     * Writes {@code shape} with weight matrices quantized for {@code target} (with llama-quantize's recipe, as
     * {@link GgufQuantizer#tensorType}) to {@code out}, its vocabulary from {@code vocabDir}.
     */
    public static void write(Shape shape, GgufQuantizer.Target target, Path vocabDir, Path out, long seed)
            throws IOException {
        Path vocabFile = vocabDir.resolve(shape.vocabulary());
        if (!Files.isRegularFile(vocabFile)) {
            throw new IOException("the vocabulary for " + shape.name() + " is not there: " + vocabFile);
        }
        try (GgufFile vocab = GgufFile.open(vocabFile)) {
            int vocabSize = vocab.getStringArray("tokenizer.ggml.tokens").length;
            String a = shape.architecture();
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", a);
            w.putString("general.name", "synthetic " + shape.name());
            w.putUInt32("general.file_type", target.fileType());
            w.putUInt32(a + ".context_length", shape.contextLength());
            w.putUInt32(a + ".embedding_length", shape.dim());
            w.putUInt32(a + ".block_count", shape.layers());
            w.putUInt32(a + ".feed_forward_length", shape.feedForward());
            w.putUInt32(a + ".attention.head_count", shape.heads());
            w.putUInt32(a + ".attention.head_count_kv", shape.kvHeads());
            w.putUInt32(a + ".rope.dimension_count", shape.dim() / shape.heads());
            w.putFloat32(a + ".rope.freq_base", shape.ropeBase());
            w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
            w.putUInt32(a + ".vocab_size", vocabSize);
            if (target.type().isQuantized()) {
                w.putUInt32("general.quantization_version", 2);
            }
            for (String key : vocab.metadata().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    w.copy(vocab, key);
                }
            }
            int dim = shape.dim();
            int headDim = dim / shape.heads();
            int kvDim = headDim * shape.kvHeads();
            SplittableRandom random = new SplittableRandom(seed);
            Recipe q = new Recipe(target, shape.layers(), !shape.tiedOutput());
            matrix(w, "token_embd.weight", q, -1, dim, vocabSize, random.split());
            for (int l = 0; l < shape.layers(); l++) {
                String p = "blk." + l + ".";
                ones(w, p + "attn_norm.weight", dim);
                matrix(w, p + "attn_q.weight", q, l, dim, dim, random.split());
                matrix(w, p + "attn_k.weight", q, l, dim, kvDim, random.split());
                matrix(w, p + "attn_v.weight", q, l, dim, kvDim, random.split());
                if (shape.qkvBias()) {
                    vector(w, p + "attn_q.bias", dim, random.split());
                    vector(w, p + "attn_k.bias", kvDim, random.split());
                    vector(w, p + "attn_v.bias", kvDim, random.split());
                }
                matrix(w, p + "attn_output.weight", q, l, dim, dim, random.split());
                ones(w, p + "ffn_norm.weight", dim);
                matrix(w, p + "ffn_gate.weight", q, l, dim, shape.feedForward(), random.split());
                matrix(w, p + "ffn_up.weight", q, l, dim, shape.feedForward(), random.split());
                matrix(w, p + "ffn_down.weight", q, l, shape.feedForward(), dim, random.split());
            }
            ones(w, "output_norm.weight", dim);
            if (!shape.tiedOutput()) {
                matrix(w, "output.weight", q, -1, dim, vocabSize, random.split());
            }
            w.write(out);
        }
    }

    /** The recipe's type for each matrix of the model being written. */
    private record Recipe(GgufQuantizer.Target target, int layers, boolean hasOutput) {
        GgmlType type(String name, int layer, int cols) {
            return GgufQuantizer.tensorType(target, false, name, cols, layer, layers, hasOutput);
        }
    }

    /** A cols x rows matrix of random values in {@code type}, generated and quantized row by row. */
    private static void matrix(GgufWriter w, String name, Recipe recipe, int layer, int cols, int rows,
                               SplittableRandom r) {
        GgmlType type = recipe.type(name, layer, cols);
        w.addTensor(name, type, new long[] {cols, rows}, out -> {
            float[] row = new float[cols];
            byte[] q = new byte[(int) type.bytesFor(cols)];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    row[j] = (float) (r.nextDouble() * 0.07 - 0.035);
                }
                Quantizers.quantizeRow(type, row, 0, cols, q, 0);
                out.write(q);
            }
        });
    }

    private static void vector(GgufWriter w, String name, int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 0.07 - 0.035);
        }
        f32(w, name, v);
    }

    private static void ones(GgufWriter w, String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        f32(w, name, v);
    }

    private static void f32(GgufWriter w, String name, float[] v) {
        w.addTensor(name, GgmlType.F32, new long[] {v.length}, out -> {
            byte[] b = new byte[v.length * 4];
            Quantizers.quantizeRow(GgmlType.F32, v, 0, v.length, b, 0);
            out.write(b);
        });
    }

    /** The shape names, for messages. */
    public static List<String> shapeNames() {
        return SHAPES.keySet().stream().sorted().toList();
    }
}
