package org.jllm.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jllm.kernels.GgmlType;

/**
 * Reads the header, metadata and tensor table of a mapped GGUF file. Every length and count is checked against the
 * bytes left in the file before anything is allocated, so a hostile file can make the parser fail but not make it
 * allocate much more than the file's own size, recurse deeply, or loop.
 */
final class GgufParser {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Limits well above any real model (Llama 3: 128k tokens, 280k merges) that keep hostile files bounded. */
    static final int MAX_ARRAY_LENGTH = 1 << 24;
    static final int MAX_STRING_BYTES = 1 << 26;
    private static final int WINDOW_BYTES = 1 << 20;
    static final int MAX_TENSORS = 1 << 20;
    static final int MAX_DIMS = 4;
    static final int MAX_NESTING = 8;

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    /** A copy of file bytes [windowAt, windowAt + windowLength), for {@link #strings}' lengths. */
    private byte[] window = new byte[0];
    private long windowAt;
    private int windowLength;

    GgufParser(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    GgufFile parse(Arena arena) throws GgufFormatException {
        need(4, "magic");
        int magic = seg.get(U32, 0);
        if (magic != GgufFile.MAGIC) {
            throw fail(0, String.format("bad magic 0x%08x: expected 'GGUF', this is not a GGUF file", magic));
        }
        pos = 4;
        int version = u32("version");
        if (version == 1) {
            throw fail(4, "GGUF version 1 is not supported (only versions 2 and 3)");
        }
        if (version != 2 && version != 3) {
            throw fail(4, "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + ": expected 2 or 3" + (Integer.reverseBytes(version) <= 3 ? " (a big-endian file?)" : ""));
        }
        long tensorCountAt = pos;
        long tensorCount = u64("tensor_count");
        long kvCountAt = pos;
        long kvCount = u64("metadata_kv_count");
        // A tensor info takes at least 24 bytes and a key/value pair at least 13: counts beyond that are lies.
        if (tensorCount < 0 || tensorCount > MAX_TENSORS || tensorCount > remaining() / 24) {
            throw fail(tensorCountAt, "tensor_count " + Long.toUnsignedString(tensorCount)
                    + " is impossible for the " + remaining() + " bytes left in the file");
        }
        if (kvCount < 0 || kvCount > remaining() / 13) {
            throw fail(kvCountAt, "metadata_kv_count " + Long.toUnsignedString(kvCount)
                    + " is impossible for the " + remaining() + " bytes left in the file");
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, long[]> spans = new java.util.HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos;
            String key = string("metadata key #" + i);
            long typeAt = pos;
            int typeId = u32("type of metadata '" + key + "'");
            GgufValueType type = GgufValueType.fromId(typeId);
            if (type == null) {
                throw fail(typeAt, "metadata '" + key + "' has unknown value type " + typeId + " (expected 0..12)");
            }
            Object value = value(type, key, 0);
            if (metadata.putIfAbsent(key, value) != null) {
                throw fail(keyAt, "duplicate metadata key '" + key + "'");
            }
            spans.put(key, new long[] {keyAt, pos});
        }

        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        Object a = metadata.get("general.alignment");
        if (a != null) {
            long al = a instanceof Integer ai ? ai : a instanceof Long l ? l : -1;
            if (al <= 0 || al > (1 << 20) || Long.bitCount(al) != 1) {
                throw fail(-1, "metadata 'general.alignment' = " + a + ": expected a power of two up to 1 MiB");
            }
            alignment = (int) al;
        }

        List<GgufTensorInfo> tensors = GgufFile.newTensorList(tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoAt = pos;
            String name = string("name of tensor #" + i);
            if (!names.add(name)) {
                throw fail(infoAt, "duplicate tensor name '" + name + "'");
            }
            long dimsAt = pos;
            int nDims = u32("dimension count of tensor '" + name + "'");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw fail(dimsAt, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                        + " dimensions: expected 1.." + MAX_DIMS);
            }
            long[] shape = new long[nDims];
            long count = 1;
            for (int d = 0; d < nDims; d++) {
                long dimAt = pos;
                shape[d] = u64("dimension " + d + " of tensor '" + name + "'");
                if (shape[d] < 0) {
                    throw fail(dimAt, "tensor '" + name + "' dimension " + d + " = "
                            + Long.toUnsignedString(shape[d]) + " is out of range");
                }
                try {
                    count = Math.multiplyExact(count, shape[d]);
                } catch (ArithmeticException e) {
                    throw fail(dimAt, "tensor '" + name + "' has more elements than fit in 64 bits");
                }
            }
            long typeAt = pos;
            int typeId = u32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.fromId(typeId).orElseThrow(() -> fail(typeAt,
                    "tensor '" + name + "' has unknown ggml type id " + typeId));
            if (shape[0] % type.blockSize() != 0) {
                throw fail(dimsAt, "tensor '" + name + "' of type " + type + " has rows of " + shape[0]
                        + " values, not a multiple of its block size " + type.blockSize());
            }
            long bytes = type.bytesFor(count);
            if (bytes < 0) {
                throw fail(dimsAt, "tensor '" + name + "' is too large to address");
            }
            long offAt = pos;
            long offset = u64("data offset of tensor '" + name + "'");
            if (offset < 0 || offset % alignment != 0) {
                throw fail(offAt, "tensor '" + name + "' data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            tensors.add(new GgufTensorInfo(name, type, shape, offset, bytes));
        }

        long dataOffset = alignUp(pos, alignment);
        long dataBytes = size - dataOffset;
        if (!tensors.isEmpty() && dataBytes < 0) {
            throw fail(pos, "file ends before its tensor data section (expected at offset " + dataOffset + ")");
        }
        List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::dataOffset));
        long previousEnd = 0;
        String previousName = null;
        for (GgufTensorInfo t : byOffset) {
            if (t.dataOffset() > dataBytes || t.byteSize() > dataBytes - t.dataOffset()) {
                throw fail(dataOffset + t.dataOffset(), "tensor '" + t.name() + "' (" + t.byteSize()
                        + " bytes) extends past the end of the file (" + size + " bytes)");
            }
            if (t.dataOffset() < previousEnd) {
                throw fail(dataOffset + t.dataOffset(), "tensor '" + t.name() + "' overlaps tensor '"
                        + previousName + "'");
            }
            previousEnd = t.dataOffset() + t.byteSize();
            previousName = t.name();
        }
        return new GgufFile(path, arena, seg, version, metadata, spans, tensors, alignment, dataOffset);
    }

    private Object value(GgufValueType type, String key, int depth) throws GgufFormatException {
        String what = "value of metadata '" + key + "'";
        return switch (type) {
            case UINT8 -> u8(what);
            case INT8 -> (int) (byte) (int) u8(what);
            case UINT16 -> u16(what) & 0xffff;
            case INT16 -> (int) u16(what);
            case UINT32 -> u32(what) & 0xffffffffL;
            case INT32 -> u32(what);
            case FLOAT32 -> Float.intBitsToFloat(u32(what));
            case BOOL -> bool(what);
            case STRING -> string(what);
            case UINT64, INT64 -> u64(what);
            case FLOAT64 -> Double.longBitsToDouble(u64(what));
            case ARRAY -> array(key, depth);
        };
    }

    private GgufArray array(String key, int depth) throws GgufFormatException {
        long at = pos;
        if (depth >= MAX_NESTING) {
            throw fail(at, "metadata '" + key + "' nests arrays deeper than " + MAX_NESTING + " levels");
        }
        int typeId = u32("element type of array '" + key + "'");
        GgufValueType type = GgufValueType.fromId(typeId);
        if (type == null) {
            throw fail(at, "array '" + key + "' has unknown element type " + typeId);
        }
        long lenAt = pos;
        long len = u64("length of array '" + key + "'");
        if (len < 0 || len > MAX_ARRAY_LENGTH || len > remaining() / type.minBytes) {
            throw fail(lenAt, "array '" + key + "' claims " + Long.toUnsignedString(len) + " elements of "
                    + type + ", more than the " + remaining() + " bytes left in the file can hold"
                    + " (or over the limit of " + MAX_ARRAY_LENGTH + ")");
        }
        int n = (int) len;
        String what = "element of array '" + key + "'";
        Object values = switch (type) {
            case UINT8, INT8 -> {
                byte[] v = new byte[n];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, v, 0, n);
                pos += n;
                yield v;
            }
            case UINT16, INT16 -> {
                short[] v = new short[n];
                MemorySegment.copy(seg, U16, pos, v, 0, n);
                pos += 2L * n;
                yield v;
            }
            case UINT32, INT32 -> {
                int[] v = new int[n];
                MemorySegment.copy(seg, U32, pos, v, 0, n);
                pos += 4L * n;
                yield v;
            }
            case FLOAT32 -> {
                float[] v = new float[n];
                MemorySegment.copy(seg, F32, pos, v, 0, n);
                pos += 4L * n;
                yield v;
            }
            case UINT64, INT64 -> {
                long[] v = new long[n];
                MemorySegment.copy(seg, U64, pos, v, 0, n);
                pos += 8L * n;
                yield v;
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                MemorySegment.copy(seg, F64, pos, v, 0, n);
                pos += 8L * n;
                yield v;
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = bool(what);
                }
                yield v;
            }
            case STRING -> strings(n, what);
            case ARRAY -> {
                List<GgufArray> v = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    v.add(array(key, depth + 1));
                }
                yield v;
            }
        };
        return new GgufArray(type, values, n);
    }

    private long remaining() {
        return size - pos;
    }

    private void need(long n, String what) throws GgufFormatException {
        if (n > size - pos) {
            throw fail(pos, "file ends inside " + what + " (needs " + n + " bytes, " + (size - pos) + " left)");
        }
    }

    private int u8(String what) throws GgufFormatException {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
    }

    private short u16(String what) throws GgufFormatException {
        need(2, what);
        short v = seg.get(U16, pos);
        pos += 2;
        return v;
    }

    private int u32(String what) throws GgufFormatException {
        need(4, what);
        int v = seg.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) throws GgufFormatException {
        need(8, what);
        long v = seg.get(U64, pos);
        pos += 8;
        return v;
    }

    private boolean bool(String what) throws GgufFormatException {
        long at = pos;
        int b = u8(what);
        if (b > 1) {
            throw fail(at, what + " is a bool with byte value " + b + " (expected 0 or 1)");
        }
        return b == 1;
    }

    private String string(String what) throws GgufFormatException {
        long at = pos;
        if (8 > size - pos) { // not need(): its message would be built for every string of a vocabulary
            throw fail(pos, "file ends inside the length of " + what + " (needs 8 bytes, " + (size - pos) + " left)");
        }
        long len = seg.get(U64, pos);
        pos += 8;
        if (len < 0 || len > MAX_STRING_BYTES || len > remaining()) {
            throw fail(at, what + " is a string of " + Long.toUnsignedString(len) + " bytes, but only "
                    + remaining() + " bytes are left in the file");
        }
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += len;
        // Malformed UTF-8 becomes U+FFFD rather than failing the whole file (some vocabularies hold partial bytes).
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * {@code n} strings in a row (a vocabulary, merges), kept as stored: their lengths are checked through a window
     * of the file copied to the heap (segment accesses per string run slowly in a JVM that has just started), then
     * the whole array is copied in one piece. Checks as {@link #string}.
     */
    private GgufStrings strings(int n, String what) throws GgufFormatException {
        long first = pos;
        int[] starts = new int[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            long at = pos;
            if (!window(8)) {
                throw fail(pos, "file ends inside the length of " + what + " (needs 8 bytes, " + (size - pos)
                        + " left)");
            }
            int o = (int) (pos - windowAt);
            long len = 0;
            for (int b = 7; b >= 0; b--) {
                len = len << 8 | (window[o + b] & 0xff);
            }
            pos += 8;
            if (len < 0 || len > MAX_STRING_BYTES || len > remaining()) {
                throw fail(at, what + " is a string of " + Long.toUnsignedString(len) + " bytes, but only "
                        + remaining() + " bytes are left in the file");
            }
            if (pos + len - first > Integer.MAX_VALUE - 16) {
                throw fail(at, what + " ends " + (pos + len - first) + " bytes after the array's start: string "
                        + "arrays over 2 GiB are not supported");
            }
            starts[i] = (int) (pos - first);
            lengths[i] = (int) len;
            pos += len;
        }
        byte[] bytes = new byte[(int) (pos - first)];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, first, bytes, 0, bytes.length);
        return new GgufStrings(bytes, starts, lengths);
    }

    /** Makes bytes [pos, pos + n) readable in {@link #window}; false when the file ends first. */
    private boolean window(long n) {
        if (pos >= windowAt && pos + n <= windowAt + windowLength) {
            return true;
        }
        if (n > size - pos) {
            return false;
        }
        int length = (int) Math.min(size - pos, Math.max(WINDOW_BYTES, n));
        if (window.length < length) {
            window = new byte[length];
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, window, 0, length);
        windowAt = pos;
        windowLength = length;
        return true;
    }

    private static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private GgufFormatException fail(long offset, String what) {
        return new GgufFormatException(path, offset, what);
    }
}
