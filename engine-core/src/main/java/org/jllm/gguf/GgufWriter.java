package org.jllm.gguf;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jllm.kernels.GgmlType;

/**
 * Writes a GGUF v3 file: metadata with explicit value types, then the tensor table, then each tensor's bytes at an
 * aligned offset, streamed from a {@link TensorSource} so a large model never sits in memory. Used by the quantizer,
 * the synthetic-model generator and tests.
 */
public final class GgufWriter {

    /** Writes exactly the tensor's bytes (its type's block layout, rows in order). */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A metadata value, or (type null) a raw entry copied from another file. */
    private record Value(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private record Entry(String name, GgmlType type, long[] shape, long bytes, TensorSource source) {
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter putString(String key, String value) {
        return put(key, new Value(GgufValueType.STRING, null, value));
    }

    public GgufWriter putUInt32(String key, int value) {
        return put(key, new Value(GgufValueType.UINT32, null, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, new Value(GgufValueType.INT32, null, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new Value(GgufValueType.FLOAT32, null, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new Value(GgufValueType.BOOL, null, value));
    }

    /** Copies metadata entry {@code key} of {@code source} byte for byte (so with its exact value type). */
    public GgufWriter copy(GgufFile source, String key) {
        return put(key, new Value(null, null, source.rawMetadataEntry(key)));
    }

    /** Sets {@code general.alignment} (a power of two) and aligns tensor data to it. */
    public GgufWriter alignment(int bytes) {
        if (bytes <= 0 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + bytes);
        }
        alignment = bytes;
        return putUInt32("general.alignment", bytes);
    }

    /**
     * An array value: {@code values} is a {@code String[]} or {@link GgufStrings} (e.g. another file's vocabulary, its
     * bytes written as stored), {@code int[]} (INT32/UINT32), {@code float[]} or {@code boolean[]} matching
     * {@code elementType}.
     */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        boolean ok = switch (elementType) {
            case STRING -> values instanceof String[] || values instanceof GgufStrings;
            case INT32, UINT32 -> values instanceof int[];
            case FLOAT32 -> values instanceof float[];
            case BOOL -> values instanceof boolean[];
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": array of " + elementType + " cannot hold "
                    + values.getClass().getSimpleName());
        }
        return put(key, new Value(GgufValueType.ARRAY, elementType, values));
    }

    private GgufWriter put(String key, Value v) {
        metadata.put(key, v);
        return this;
    }

    /**
     * Adds a tensor. {@code shape} is in GGUF order (row length first); the row length must be a multiple of the
     * type's block size.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        if (shape.length == 0 || shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + (shape.length == 0 ? 0 : shape[0])
                    + " is not a multiple of " + type + "'s block size " + type.blockSize());
        }
        tensors.add(new Entry(name, type, shape.clone(), type.bytesFor(count), source));
        return this;
    }

    /** Writes the file at {@code path} (replacing it). */
    public void write(Path path) throws IOException {
        try (OutputStream file = new AlignedOutput(Files.newOutputStream(path))) {
            writeTo(file);
        }
    }

    /**
     * The file's bytes, for small models built in memory (tests, tools).
     *
     * @throws IllegalStateException when the tensors alone need 1 GiB or more: write such a model to a file
     */
    public byte[] toByteArray() throws IOException {
        long tensorBytes = 0;
        for (Entry t : tensors) {
            tensorBytes += align(t.bytes());
        }
        if (tensorBytes >= 1L << 30) {
            throw new IllegalStateException("a model with " + tensorBytes + " bytes of tensors is too large to build "
                    + "in memory: write it to a file");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(out);
        return out.toByteArray();
    }

    private void writeTo(OutputStream sink) throws IOException {
        Counter out = new Counter(sink);
        out.write(le(4).putInt(GgufFile.MAGIC).array());
        out.write(le(4).putInt(3).array());
        out.write(le(8).putLong(tensors.size()).array());
        out.write(le(8).putLong(metadata.size()).array());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            if (e.getValue().type() == null) {
                out.write((byte[]) e.getValue().value());
                continue;
            }
            string(out, e.getKey());
            out.write(le(4).putInt(e.getValue().type().ordinal()).array());
            value(out, e.getValue());
        }
        long offset = 0;
        for (Entry t : tensors) {
            string(out, t.name());
            out.write(le(4).putInt(t.shape().length).array());
            for (long d : t.shape()) {
                out.write(le(8).putLong(d).array());
            }
            out.write(le(4).putInt(t.type().id()).array());
            out.write(le(8).putLong(offset).array());
            offset = align(offset + t.bytes());
        }
        pad(out);
        for (Entry t : tensors) {
            long start = out.count;
            t.source().writeTo(out);
            long written = out.count - start;
            if (written != t.bytes()) {
                throw new IllegalStateException(t.name() + ": the source wrote " + written + " bytes, the "
                        + t.type() + " tensor of shape " + java.util.Arrays.toString(t.shape()) + " needs "
                        + t.bytes());
            }
            pad(out);
        }
    }

    private long align(long v) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private void pad(Counter out) throws IOException {
        long padded = align(out.count);
        out.write(new byte[(int) (padded - out.count)]);
    }

    private static void value(OutputStream out, Value v) throws IOException {
        if (v.type() == GgufValueType.ARRAY) {
            out.write(le(4).putInt(v.elementType().ordinal()).array());
            switch (v.value()) {
                case String[] a -> {
                    out.write(le(8).putLong(a.length).array());
                    for (String s : a) {
                        string(out, s);
                    }
                }
                case GgufStrings a -> {
                    out.write(le(8).putLong(a.size()).array());
                    a.writeStored(out);
                }
                case int[] a -> {
                    out.write(le(8).putLong(a.length).array());
                    ByteBuffer b = le(4 * a.length);
                    b.asIntBuffer().put(a);
                    out.write(b.array());
                }
                case float[] a -> {
                    out.write(le(8).putLong(a.length).array());
                    ByteBuffer b = le(4 * a.length);
                    b.asFloatBuffer().put(a);
                    out.write(b.array());
                }
                case boolean[] a -> {
                    out.write(le(8).putLong(a.length).array());
                    for (boolean x : a) {
                        out.write(x ? 1 : 0);
                    }
                }
                default -> throw new IllegalStateException("unexpected array " + v.value().getClass());
            }
            return;
        }
        switch (v.type()) {
            case STRING -> string(out, (String) v.value());
            case UINT32, INT32 -> out.write(le(4).putInt((Integer) v.value()).array());
            case FLOAT32 -> out.write(le(4).putFloat((Float) v.value()).array());
            case BOOL -> out.write((Boolean) v.value() ? 1 : 0);
            default -> throw new IllegalStateException("unexpected value type " + v.type());
        }
    }

    private static void string(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(le(8).putLong(b.length).array());
        out.write(b);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Buffered output that writes whole 2 MiB pieces at 2 MiB-aligned file offsets (and the rest at the end): the
     * page cache then holds the new file in 2 MiB folios, which map as 2 MiB pages when the file is loaded soon
     * after (a model's float matrices are decoded from the mapping). {@code BufferedOutputStream} writes large arrays
     * straight through, at any offset.
     */
    private static final class AlignedOutput extends FilterOutputStream {
        private final byte[] buffer = new byte[2 << 20];
        private int size;

        AlignedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (size == buffer.length) {
                drain();
            }
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (size == buffer.length) {
                    drain();
                }
                int n = Math.min(len, buffer.length - size);
                System.arraycopy(b, off, buffer, size, n);
                size += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            drain();
            out.flush();
        }

        private void drain() throws IOException {
            out.write(buffer, 0, size);
            size = 0;
        }
    }

    /** Counts the bytes written through it. */
    private static final class Counter extends FilterOutputStream {
        long count;

        Counter(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
