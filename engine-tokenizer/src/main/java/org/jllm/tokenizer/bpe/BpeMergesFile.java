package org.jllm.tokenizer.bpe;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A {@link BpeMerges} table kept in a file, so that loading a model again reads its merge table (a few MB of arrays)
 * instead of building it: for Llama 3's 280k merges the build is ~0.2 s of hash probes in a warm JVM and twice that
 * in a fresh one. The caller names the table by a key of what it was built from (the tokens and merges).
 *
 * <p>Layout, little-endian: magic {@code JLLM-BPE}, the build's fingerprint ({@link #BUILD}), the key, the vocabulary
 * size, the merge count, the counts of extra symbols, symbol slots and pair slots, the extra symbols' byte count; each
 * extra symbol's UTF-8 (a length, then the bytes); the symbol slots, pair keys, pair ranks and merge results; a CRC-32C
 * of everything before it. A file whose header, length or CRC does not match, or whose ids are out of range, is not
 * used.
 */
public final class BpeMergesFile {
    private static final byte[] MAGIC = "JLLM-BPE".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    /**
     * The format version and a CRC-32C of the table built from fixed merges, stored in each file: a change in how
     * tables are built (hashing, slot placement, repeated tokens, merge results that are not tokens) changes it, so
     * that a table an older build stored is built again rather than read.
     */
    private static final int BUILD = build();
    private static final int HEADER_BYTES = 8 + 4 + 8 + 6 * 4;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Larger than any real table (Llama 3's is 9 MB); a longer file is not read. */
    private static final long MAX_BYTES = 1L << 30;

    private BpeMergesFile() {
    }

    /**
     * The table stored in {@code file} under {@code key} for these tokens, or null when there is no such file or it
     * was stored for another key, another vocabulary size, or is damaged.
     */
    public static BpeMerges read(Path file, long key, String[] tokens) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < HEADER_BYTES + 4 || size > MAX_BYTES) {
                return null;
            }
            // Mapped and copied out in bulk: a JVM that has just started reads and checks the 9.5 MB of a Llama 3
            // table in ~0.05 s this way, against 0.12-0.15 s through a heap copy and buffer views.
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return read(seg, key, tokens);
        }
    }

    private static BpeMerges read(MemorySegment seg, long key, String[] tokens) {
        long size = seg.byteSize();
        if (!Arrays.equals(seg.asSlice(0, MAGIC.length).toArray(ValueLayout.JAVA_BYTE), MAGIC)
                || seg.get(I32, 8) != BUILD || seg.get(I64, 12) != key || seg.get(I32, 20) != tokens.length) {
            return null;
        }
        int mergeCount = seg.get(I32, 24);
        int extraCount = seg.get(I32, 28);
        int slotCount = seg.get(I32, 32);
        int pairCount = seg.get(I32, 36);
        int extraBytes = seg.get(I32, 40);
        if (mergeCount < 0 || extraCount < 0 || extraBytes < 0 || !powerOfTwo(slotCount) || !powerOfTwo(pairCount)
                || size != HEADER_BYTES + (long) extraBytes + 8L * slotCount + 12L * pairCount + 4L * mergeCount + 4) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(seg.asSlice(0, size - 4).asByteBuffer());
        if ((int) crc.getValue() != seg.get(I32, size - 4)) {
            return null;
        }
        String[] extras = new String[extraCount];
        long at = HEADER_BYTES;
        long extrasEnd = HEADER_BYTES + (long) extraBytes;
        for (int i = 0; i < extraCount; i++) {
            if (at + 4 > extrasEnd) {
                return null;
            }
            int n = seg.get(I32, at);
            at += 4;
            if (n < 0 || n > extrasEnd - at) {
                return null;
            }
            extras[i] = new String(seg.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += n;
        }
        if (at != extrasEnd) {
            return null;
        }
        long[] slots = new long[slotCount];
        MemorySegment.copy(seg, I64, at, slots, 0, slotCount);
        at += 8L * slotCount;
        long[] pairKeys = new long[pairCount];
        MemorySegment.copy(seg, I64, at, pairKeys, 0, pairCount);
        at += 8L * pairCount;
        int[] pairRanks = new int[pairCount];
        MemorySegment.copy(seg, I32, at, pairRanks, 0, pairCount);
        at += 4L * pairCount;
        int[] results = new int[mergeCount];
        MemorySegment.copy(seg, I32, at, results, 0, mergeCount);
        int symbols = tokens.length + extraCount;
        return inRange(slots, pairKeys, pairRanks, results, symbols, mergeCount)
                ? new BpeMerges(tokens, extras, slots, pairKeys, pairRanks, results)
                : null;
    }

    /**
     * Stores {@code merges} in {@code file} under {@code key}: written under a temporary name, then renamed into
     * place, so that a reader never sees a partial file under the final name.
     */
    public static void write(Path file, long key, BpeMerges merges) throws IOException {
        byte[] bytes = stored(merges, BUILD, key, file);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file's bytes for {@code merges}, its trailing CRC-32C included. */
    private static byte[] stored(BpeMerges merges, int build, long key, Path file) throws IOException {
        String[] extras = merges.extraTexts();
        byte[][] extraUtf8 = new byte[extras.length][];
        long extraBytes = 0;
        for (int i = 0; i < extras.length; i++) {
            extraUtf8[i] = extras[i].getBytes(StandardCharsets.UTF_8);
            extraBytes += 4 + extraUtf8[i].length;
        }
        long[] slots = merges.symbolSlots();
        long[] pairKeys = merges.pairKeys();
        int[] pairRanks = merges.pairRanks();
        int[] results = merges.results();
        long total = HEADER_BYTES + extraBytes + 8L * slots.length + 12L * pairKeys.length + 4L * results.length + 4;
        if (total > MAX_BYTES) {
            throw new IOException(file + ": a merge table of " + total + " bytes is over the limit of " + MAX_BYTES);
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(build).putLong(key).putInt(merges.vocabSize()).putInt(results.length)
                .putInt(extras.length).putInt(slots.length).putInt(pairKeys.length).putInt((int) extraBytes);
        for (byte[] e : extraUtf8) {
            b.putInt(e.length).put(e);
        }
        b.asLongBuffer().put(slots);
        b.position(b.position() + 8 * slots.length);
        b.asLongBuffer().put(pairKeys);
        b.position(b.position() + 8 * pairKeys.length);
        b.asIntBuffer().put(pairRanks);
        b.position(b.position() + 4 * pairRanks.length);
        b.asIntBuffer().put(results);
        b.position(b.position() + 4 * results.length);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The CRC-32C of a fixed table's stored form under the format {@link #VERSION}. */
    private static int build() {
        String[] tokens = {"a", "b", "ab", "b", "abab", "c", "\u0120A"};
        BpeMerges m = new BpeMerges(tokens, MergeList.ofPairs(List.of(new String[] {"a", "b"},
                new String[] {"ab", "ab"}, new String[] {"b", "a"}, new String[] {"ba", "ab"},
                new String[] {"ab", "c"}, new String[] {"\u0120", "A"})));
        try {
            byte[] bytes = stored(m, VERSION, 0, Path.of("fingerprint"));
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return (int) crc.getValue();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a 7-token table is far below the size limit
        }
    }

    private static boolean powerOfTwo(int n) {
        return n > 0 && Integer.bitCount(n) == 1;
    }

    /** Every stored id names a symbol and every rank a merge, so that a bad file cannot index out of bounds. */
    private static boolean inRange(long[] slots, long[] pairKeys, int[] pairRanks, int[] results, int symbols,
                                   int mergeCount) {
        for (long e : slots) {
            long id = (e & 0xffffffffL) - 1;
            if (e != 0 && (id < 0 || id >= symbols)) {
                return false;
            }
        }
        for (int i = 0; i < pairKeys.length; i++) {
            long k = pairKeys[i];
            if (k != -1L) {
                int left = (int) (k >>> 32);
                int right = (int) k;
                if (left < 0 || left >= symbols || right < 0 || right >= symbols || pairRanks[i] < 0
                        || pairRanks[i] >= mergeCount) {
                    return false;
                }
            }
        }
        for (int r : results) {
            if (r < 0 || r >= symbols) {
                return false;
            }
        }
        return true;
    }
}
