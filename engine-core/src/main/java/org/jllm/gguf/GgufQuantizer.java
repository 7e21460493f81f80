package org.jllm.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.WeightKernel;
import org.jllm.kernels.quant.Quantizers;
import org.jllm.model.ModelFormatException;

/**
 * Rewrites a GGUF model with its weight matrices in another type, as {@code llama-quantize --pure} does: every
 * tensor whose name ends in "weight", that has two or more dimensions and is not a norm gets the target type; the
 * rest is copied. Metadata is copied entry by entry (exact value types), with {@code general.file_type} set.
 * Source rows may be of any type jllm computes with; they are dequantized to floats first.
 */
public final class GgufQuantizer {
    /** llama.cpp's {@code llama_ftype} ids of the types this quantizer writes. */
    private static final Map<GgmlType, Integer> FILE_TYPES = Map.of(GgmlType.F32, 0, GgmlType.F16, 1,
            GgmlType.Q4_0, 2, GgmlType.Q4_1, 3, GgmlType.Q8_0, 7, GgmlType.Q5_0, 8, GgmlType.Q5_1, 9,
            GgmlType.BF16, 32);

    private GgufQuantizer() {
    }

    /** The target type named as llama-quantize names it (Q8_0, Q4_0, ..., F16, BF16). */
    public static GgmlType parseType(String name) {
        GgmlType t;
        try {
            t = GgmlType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            t = null;
        }
        if (t == null || !FILE_TYPES.containsKey(t)) {
            throw new IllegalArgumentException("cannot quantize to '" + name + "': supported types are "
                    + "Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16, F32 (K-quants and mixed recipes are not written yet)");
        }
        return t;
    }

    /** Writes {@code in} with its weight matrices in {@code type} to {@code out}. */
    public static void quantize(Path in, Path out, GgmlType type) throws IOException {
        try (GgufFile src = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keySet()) {
                switch (key) {
                    case "general.file_type" -> { } // set below
                    case "general.alignment" -> w.alignment(src.alignment());
                    default -> w.copy(src, key);
                }
            }
            w.putUInt32("general.file_type", FILE_TYPES.get(type));
            if (type.isQuantized()) {
                w.putUInt32("general.quantization_version", 2);
            }
            Kernels scalar = Kernels.scalar();
            for (GgufTensorInfo t : src.tensors()) {
                MemorySegment data = src.data(t);
                if (!isQuantized(t)) {
                    w.addTensor(t.name(), t.type(), t.shape(), o -> copy(data, o));
                    continue;
                }
                long cols = t.dim(0);
                if (cols % type.blockSize() != 0) {
                    throw new ModelFormatException(in + ": tensor '" + t.name() + "' has rows of " + cols
                            + " values, not a multiple of " + type + "'s block size " + type.blockSize());
                }
                WeightKernel reader = scalar.weights(t.type());
                if (reader == null) {
                    throw new ModelFormatException(in + ": tensor '" + t.name() + "' is " + t.type()
                            + ", which jllm cannot read");
                }
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
