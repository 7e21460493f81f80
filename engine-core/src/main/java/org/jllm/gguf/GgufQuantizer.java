package org.jllm.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.quant.Quantizers;
import org.jllm.model.ModelFormatException;

/**
 * Rewrites a GGUF model with its weight matrices quantized, as {@code llama-quantize} does: every tensor whose name
 * ends in "weight", that has two or more dimensions and is not a norm is converted; the rest is copied. Metadata is
 * copied entry by entry (exact value types), with {@code general.file_type} set. Source rows may be of any type jllm
 * computes with; they are dequantized to floats first.
 *
 * <p>With {@code pure} every converted matrix gets the target's type ({@code llama-quantize --pure}); without it
 * llama-quantize's recipe ({@code llama_tensor_get_type}) applies: see {@link #tensorType}.
 */
public final class GgufQuantizer {

    /** What {@code jllm quantize} can write, by llama-quantize's names, with llama.cpp's {@code llama_ftype} ids. */
    public enum Target {
        F32(GgmlType.F32, 0), F16(GgmlType.F16, 1), BF16(GgmlType.BF16, 32),
        Q8_0(GgmlType.Q8_0, 7), Q4_0(GgmlType.Q4_0, 2), Q4_1(GgmlType.Q4_1, 3), Q5_0(GgmlType.Q5_0, 8),
        Q5_1(GgmlType.Q5_1, 9), Q6_K(GgmlType.Q6_K, 18),
        /** Q4_K with Q6_K where llama-quantize's recipe spends more bits (llama-quantize's "Q4_K" too). */
        Q4_K_M(GgmlType.Q4_K, 15);

        private final GgmlType type;
        private final int fileType;

        Target(GgmlType type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }

        /** The type of most weight matrices, and of all of them with {@code --pure}. */
        public GgmlType type() {
            return type;
        }

        /** {@code general.file_type}. */
        public int fileType() {
            return fileType;
        }

        /** The target named as llama-quantize names it (Q4_K is an alias of Q4_K_M, as there). */
        public static Target parse(String name) {
            String n = name.toUpperCase(Locale.ROOT);
            if (n.equals("Q4_K")) {
                return Q4_K_M;
            }
            for (Target t : values()) {
                if (t.name().equals(n)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("cannot quantize to '" + name + "': supported targets are "
                    + java.util.Arrays.toString(values()).replaceAll("[\\[\\]]", "") + " (and Q4_K for Q4_K_M)");
        }
    }

    private GgufQuantizer() {
    }

    /**
     * The type llama-quantize's recipe (b4748, no importance matrix) gives a weight matrix of a llama-family model
     * for {@code target} (the same for every target with {@code pure}; float targets have no recipe):
     * <ul>
     * <li>the output matrix (or the token embedding when it doubles as output) in Q6_K, or Q8_0 when its rows are
     * not a multiple of 256 values; a Q8_0 target keeps it in Q8_0;</li>
     * <li>Q4_K_M: {@code attn_v} and {@code ffn_down} in Q6_K in the layers where llama.cpp's {@code use_more_bits}
     * holds (the first and last eighth, and every third layer between);</li>
     * <li>a K-quant matrix whose rows are not a multiple of 256 falls back to Q5_0 (for Q4_K) or Q8_0 (for Q6_K),
     * and to F16 when even that block size does not divide them.</li>
     * </ul>
     *
     * @param layer     the matrix's layer ({@code blk.N.}), or -1
     * @param layers    the model's number of layers
     * @param hasOutput whether the model has its own {@code output.weight}
     */
    public static GgmlType tensorType(Target target, boolean pure, String name, long cols, int layer, int layers,
                                      boolean hasOutput) {
        GgmlType type = target.type();
        if (pure || !type.isQuantized()) {
            return type;
        }
        boolean isOutput = name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"));
        if (isOutput) {
            if (cols % 256 != 0) {
                type = GgmlType.Q8_0;
            } else if (type != GgmlType.Q8_0) {
                type = GgmlType.Q6_K;
            }
        } else if (target == Target.Q4_K_M && (name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight"))
                && layer >= 0 && useMoreBits(layer, layers)) {
            type = GgmlType.Q6_K;
        }
        if (type.blockSize() == 256 && cols % 256 != 0) {
            type = switch (type) {
                case Q4_K -> GgmlType.Q5_0;
                case Q6_K -> GgmlType.Q8_0;
                default -> throw new IllegalStateException(type.name());
            };
            if (cols % type.blockSize() != 0) {
                type = GgmlType.F16;
            }
        }
        return type;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** The N of a {@code blk.N.} tensor name, or -1. */
    static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int end = name.indexOf('.', 4);
        try {
            return end < 0 ? -1 : Integer.parseInt(name.substring(4, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Writes {@code in} with its weight matrices quantized for {@code target} to {@code out}. */
    public static void quantize(Path in, Path out, Target target, boolean pure) throws IOException {
        try (GgufFile src = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keySet()) {
                switch (key) {
                    case "general.file_type" -> { } // set below
                    case "general.alignment" -> w.alignment(src.alignment());
                    default -> w.copy(src, key);
                }
            }
            w.putUInt32("general.file_type", target.fileType());
            if (target.type().isQuantized()) {
                w.putUInt32("general.quantization_version", 2);
            }
            boolean hasOutput = src.tensors().stream().anyMatch(t -> t.name().equals("output.weight"));
            int layers = (int) src.tensors().stream().filter(t -> t.name().endsWith("attn_v.weight")).count();
            Kernels scalar = Kernels.scalar();
            for (GgufTensorInfo t : src.tensors()) {
                MemorySegment data = src.data(t);
                if (!isQuantized(t)) {
                    w.addTensor(t.name(), t.type(), t.shape(), o -> copy(data, o));
                    continue;
                }
                long cols = t.dim(0);
                GgmlType type = tensorType(target, pure, t.name(), cols, layerOf(t.name()), layers, hasOutput);
                if (cols % type.blockSize() != 0) {
                    throw new ModelFormatException(in + ": tensor '" + t.name() + "' has rows of " + cols
                            + " values, not a multiple of " + type + "'s block size " + type.blockSize());
                }
                if (!scalar.supports(t.type())) {
                    throw new ModelFormatException(in + ": tensor '" + t.name() + "' is " + t.type()
                            + ", which jllm cannot read");
                }
                WeightKernel reader = scalar.weights(t.type());
                long rows = t.elementCount() / cols;
                w.addTensor(t.name(), type, t.shape(), o -> {
                    float[] row = new float[(int) cols];
                    byte[] q = new byte[(int) type.bytesFor(cols)];
                    for (long r = 0; r < rows; r++) {
                        reader.dequantizeRow(data, (int) cols, r, row, 0);
                        Quantizers.quantizeRow(type, row, 0, (int) cols, q, 0);
                        o.write(q);
                    }
                });
            }
            w.write(out);
        }
    }

    /** llama-quantize's choice of tensors to convert. */
    static boolean isQuantized(GgufTensorInfo t) {
        String n = t.name();
        return n.endsWith("weight") && t.dimensions() >= 2 && !n.contains("_norm.weight")
                && !n.contains("ffn_gate_inp.weight") && !n.contains("pos_embd") && !n.contains("token_types");
    }

    private static void copy(MemorySegment data, OutputStream o) throws IOException {
        byte[] buf = new byte[1 << 16];
        for (long off = 0; off < data.byteSize(); off += buf.length) {
            int n = (int) Math.min(buf.length, data.byteSize() - off);
            MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, off, buf, 0, n);
            o.write(buf, 0, n);
        }
    }
}
