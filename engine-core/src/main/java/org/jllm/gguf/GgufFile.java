package org.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jllm.runtime.HugePages;
import org.jllm.runtime.MappedFiles;

/**
 * A GGUF file (versions 2 and 3), memory-mapped and validated. Metadata is parsed onto the heap; tensor data stays in
 * the mapping and is handed out as slices of it. The mapping lives until {@link #close()}; a closed file's segments
 * throw {@link IllegalStateException} on access instead of touching unmapped memory. Safe for concurrent readers.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, long[]> metadataSpans;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    GgufFile(Path path, Arena arena, MemorySegment segment, int version, Map<String, Object> metadata,
             Map<String, long[]> metadataSpans, List<GgufTensorInfo> tensors, int alignment, long dataOffset) {
        this.metadataSpans = Map.copyOf(metadataSpans);
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensorInfo> byName = new HashMap<>();
        for (GgufTensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = byName;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** Maps and validates {@code path}. Files larger than 2 GiB are fine: the mapping is one 64-bit segment. */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : MappedFiles.asNative(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
            GgufFile file = new GgufParser(path, seg).parse(arena);
            // After the parse, which reads only the first megabytes: the advice is for the tensor data, and a
            // JVM's first native call can be set up meanwhile on another thread (HugePages.prepare).
            HugePages.adviseFileMapping(seg);
            return file;
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** File offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The whole mapped file. */
    public MemorySegment segment() {
        return segment;
    }

    /** Every metadata key and value, in file order. Values are boxed numbers, Boolean, String or {@link GgufArray}. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public boolean contains(String key) {
        return metadata.containsKey(key);
    }

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public GgufTensorInfo tensor(String name) throws GgufFormatException {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw new GgufFormatException(path, -1, "tensor '" + name + "' is missing");
        }
        return t;
    }

    /** The tensor's bytes, a slice of the mapping (no copy). */
    public MemorySegment data(GgufTensorInfo t) {
        return segment.asSlice(dataOffset + t.dataOffset(), t.byteSize());
    }

    // ---- typed metadata accessors -------------------------------------------------------------------------------

    public OptionalInt findInt(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            return OptionalInt.empty();
        }
        if (v instanceof Integer i) {
            return OptionalInt.of(i);
        }
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return OptionalInt.of((int) (long) l);
        }
        throw wrongType(key, v, "an integer that fits in 32 bits");
    }

    public int getInt(String key) throws GgufFormatException {
        OptionalInt v = findInt(key);
        if (v.isEmpty()) {
            throw missing(key);
        }
        return v.getAsInt();
    }

    public int getInt(String key, int defaultValue) throws GgufFormatException {
        return findInt(key).orElse(defaultValue);
    }

    public long getLong(String key) throws GgufFormatException {
        Object v = require(key);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw wrongType(key, v, "an integer");
    }

    public Optional<Float> findFloat(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Float f) {
            return Optional.of(f);
        }
        if (v instanceof Double d) {
            return Optional.of((float) (double) d);
        }
        throw wrongType(key, v, "a float");
    }

    public float getFloat(String key) throws GgufFormatException {
        return findFloat(key).orElseThrow(() -> missing(key));
    }

    public float getFloat(String key, float defaultValue) throws GgufFormatException {
        return findFloat(key).orElse(defaultValue);
    }

    public Optional<Boolean> findBoolean(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        throw wrongType(key, v, "a bool");
    }

    public Optional<String> findString(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        throw wrongType(key, v, "a string");
    }

    public String getString(String key) throws GgufFormatException {
        return findString(key).orElseThrow(() -> missing(key));
    }

    public Optional<GgufArray> findArray(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof GgufArray a) {
            return Optional.of(a);
        }
        throw wrongType(key, v, "an array");
    }

    public String[] getStringArray(String key) throws GgufFormatException {
        return getStrings(key).toArray();
    }

    /** An array of strings as stored, decoded element by element on demand. */
    public GgufStrings getStrings(String key) throws GgufFormatException {
        GgufArray a = findArray(key).orElseThrow(() -> missing(key));
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongType(key, a, "an array of strings");
        }
        return (GgufStrings) a.values();
    }

    public Optional<float[]> findFloatArray(String key) throws GgufFormatException {
        Optional<GgufArray> a = findArray(key);
        if (a.isEmpty()) {
            return Optional.empty();
        }
        if (a.get().elementType() != GgufValueType.FLOAT32) {
            throw wrongType(key, a.get(), "an array of float32");
        }
        return Optional.of(((float[]) a.get().values()).clone());
    }

    /** An integer array of any width, widened to int; values outside the int range are an error. */
    public Optional<int[]> findIntArray(String key) throws GgufFormatException {
        Optional<GgufArray> found = findArray(key);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        GgufArray a = found.get();
        switch (a.elementType()) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> { }
            default -> throw wrongType(key, a, "an array of integers");
        }
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            long v = a.getLong(i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new GgufFormatException(path, -1, "metadata '" + key + "'[" + i + "] = " + v
                        + " does not fit in 32 bits");
            }
            out[i] = (int) v;
        }
        return Optional.of(out);
    }

    private Object require(String key) throws GgufFormatException {
        Object v = metadata.get(key);
        if (v == null) {
            throw missing(key);
        }
        return v;
    }

    private GgufFormatException missing(String key) {
        return new GgufFormatException(path, -1, "metadata key '" + key + "' is missing");
    }

    private GgufFormatException wrongType(String key, Object v, String expected) {
        String actual = v instanceof GgufArray a ? "an array of " + a.elementType() : v.getClass().getSimpleName();
        return new GgufFormatException(path, -1, "metadata '" + key + "' is " + actual + ", expected " + expected);
    }

    /** Unmaps the file. Tensors and segments obtained from it must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /**
     * The bytes of one metadata entry as stored (key, value type, value), so a writer can copy it with its exact type.
     */
    public byte[] rawMetadataEntry(String key) {
        long[] span = metadataSpans.get(key);
        if (span == null) {
            throw new IllegalArgumentException(path + ": no metadata key '" + key + "'");
        }
        return segment.asSlice(span[0], span[1] - span[0]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    static List<GgufTensorInfo> newTensorList(long count) {
        return new ArrayList<>((int) Math.min(count, 1024));
    }
}
