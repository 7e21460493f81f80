package org.jllm.model;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import org.jllm.kernels.RowInterleavedKernel;
import org.jllm.runtime.HugePages;
import org.jllm.runtime.MappedFiles;

/**
 * A file that keeps a model's interleaved matrices between loads, so that a later load maps them (from the page
 * cache: milliseconds) instead of copying every weight again (seconds for a 1 GB model). Layout: a
 * {@value #HEADER_BYTES}-byte header (magic, format version, the key, the data's length), then each matrix's copy at
 * its offset, in the order the model asks for them, each starting on a page.
 *
 * <p>The key is a SHA-256 of what the bytes depend on: the model file's size and modification time, every matrix's
 * name, type, shape, kernel and a CRC-32C of three 4 KiB samples of its bytes, and each kernel's layout as it
 * interleaves a fixed test matrix (so a changed layout never reads an old file). The file is named after the model (its file name and a hash of its path) and the key. A
 * cache whose header does not match is ignored and rewritten, and writing a model's cache deletes its caches for
 * other keys. It is written under a temporary name, forced to disk, then its header is written and it is renamed into
 * place: a crash leaves no file that passes the check.
 */
final class InterleavedCache {
    static final long HEADER_BYTES = 4096;
    private static final byte[] MAGIC = "JLLM-ILV".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final long ALIGN = 4096;
    private static final long SAMPLE_BYTES = 4096;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final String SUFFIX = ".jllm-interleaved";
    /** Temporary files older than this are left by a process that died while writing. */
    private static final long ABANDONED_MILLIS = 3_600_000;

    private final Path file;
    private final byte[] key;
    private final long[] offsets;
    private final long dataBytes;
    private final String prefix;

    private InterleavedCache(Path file, byte[] key, long[] offsets, long dataBytes, String prefix) {
        this.file = file;
        this.key = key;
        this.offsets = offsets;
        this.dataBytes = dataBytes;
        this.prefix = prefix;
    }

    /** The cache of {@code model}'s matrices {@code linears} (all interleaved) in {@code directory}. */
    static InterleavedCache of(Path directory, Path model, List<Linear> linears) throws IOException {
        long[] offsets = new long[linears.size()];
        long at = 0;
        for (int i = 0; i < linears.size(); i++) {
            offsets[i] = at;
            at += (bytes(linears.get(i)) + ALIGN - 1) / ALIGN * ALIGN;
        }
        byte[] key = key(model, linears);
        String prefix = prefix(model);
        Path file = directory.resolve(prefix + HexFormat.of().formatHex(key, 0, 8) + SUFFIX);
        return new InterleavedCache(file, key, offsets, at, prefix);
    }

    /**
     * The start of the cache file names of {@code model}: its file name and a hash of its absolute path, so that
     * models of the same name in other folders keep caches of their own and a model's older caches can be found.
     */
    private static String prefix(Path model) {
        String name = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        byte[] path = sha256().digest(model.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return name + "-" + HexFormat.of().formatHex(path, 0, 4) + "-";
    }

    Path file() {
        return file;
    }

    /** Byte offset of matrix {@code i}'s copy in the data. */
    long offset(int i) {
        return offsets[i];
    }

    static long bytes(Linear l) {
        return l.interleavedKernel().interleavedBytes(l.outFeatures(), l.inFeatures());
    }

    /** The data of a complete cache made for this key, mapped read-only into {@code arena}; null if there is none. */
    MemorySegment map(Arena arena) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != HEADER_BYTES + dataBytes) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + key.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
                // read until the header is complete or the file ends
            }
            header.flip();
            if (header.remaining() < header.capacity()) {
                return null;
            }
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            int version = header.getInt();
            byte[] stored = new byte[key.length];
            header.get(stored);
            long length = header.getLong();
            if (!MessageDigest.isEqual(magic, MAGIC) || version != VERSION || !MessageDigest.isEqual(stored, key)
                    || length != dataBytes) {
                return null;
            }
            return advised(ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, dataBytes, arena));
        }
    }

    /**
     * The mapping, asked to be on 2 MiB pages: the file is written so that its page cache starts in 2 MiB folios, and
     * pages evicted since are read back in 2 MiB ones too ({@link HugePages#adviseFileMapping}).
     */
    private static MemorySegment advised(MemorySegment mapping) {
        HugePages.adviseFileMapping(mapping);
        return MappedFiles.asNative(mapping);
    }

    /**
     * A new cache file under a temporary name in the cache's directory, to be written with {@link Pending#stage};
     * {@link Pending#commit} makes it the cache.
     */
    Pending create() throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free < HEADER_BYTES + dataBytes + (64L << 20)) {
            throw new IOException("only " + (free >> 20) + " MiB free in " + dir + ", the cache needs "
                    + ((HEADER_BYTES + dataBytes) >> 20) + " MiB");
        }
        removeOutdated(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
            writeFully(ch, ByteBuffer.allocate(1), HEADER_BYTES + dataBytes - 1); // the file's full length
            return new Pending(tmp, ch);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Deletes this model's caches made for other keys (an older version of the file, other kernels) and temporary
     * files abandoned by a process that died while writing one, so a model keeps one cache file. A process still
     * mapping a deleted file keeps reading it.
     */
    private void removeOutdated(Path dir) throws IOException {
        long now = System.currentTimeMillis();
        try (var files = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                boolean outdated = name.endsWith(SUFFIX) && !p.equals(file);
                boolean abandoned = name.endsWith(".tmp")
                        && now - Files.getLastModifiedTime(p).toMillis() > ABANDONED_MILLIS;
                if (outdated || abandoned) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * A cache file being written, front to back, through a staging buffer that is written out in whole 2 MiB-aligned
     * pieces: the page cache then holds the file in 2 MiB folios, which the kernel maps with 2 MiB pages. Decoding
     * reads every weight once per token, and on 4 KiB pages the TLB misses of a 1 GB model cost about as much as the
     * reads (1B Q4_0, 2 threads: ~1.3-1.5x the tokens/s on a cache mapped with 2 MiB pages).
     */
    final class Pending {
        /** The kernel's large-folio and huge-page size on x86-64 and most other platforms. */
        private static final long HUGE = 2L << 20;
        private static final long STAGING_BYTES = 32L << 20;

        private final Path tmp;
        private final FileChannel channel;
        private final Arena staging = Arena.ofShared();
        private final MemorySegment buffer = staging.allocate(STAGING_BYTES, 4096);
        /** File offset of buffer[0], a multiple of HUGE. */
        private long bufferAt;
        /** File offset where the bytes staged so far end. */
        private long end = HEADER_BYTES;

        private Pending(Path tmp, FileChannel channel) {
            this.tmp = tmp;
            this.channel = channel;
        }

        /** The most bytes one {@link #stage} call can take. */
        long maxStage() {
            return STAGING_BYTES - HUGE;
        }

        /**
         * Room for bytes [offset, offset + length) of the data, to be filled before the next call (which may write
         * it out); offsets come in increasing order, and the bytes between two stagings stay zero.
         */
        MemorySegment stage(long offset, long length) throws IOException {
            long from = HEADER_BYTES + offset;
            long to = from + length;
            if (from < end || to > HEADER_BYTES + dataBytes || length > maxStage()) {
                throw new IllegalArgumentException("cannot stage bytes [" + offset + ", " + (offset + length)
                        + ") after " + (end - HEADER_BYTES) + " of " + dataBytes);
            }
            if (to - bufferAt > STAGING_BYTES) {
                // Write out the buffer up to the 2 MiB boundary below this range; the rest moves to its front.
                long keep = from / HUGE * HUGE;
                writeFully(channel, buffer.asSlice(0, keep - bufferAt).asByteBuffer(), bufferAt);
                long tail = Math.max(0, end - keep);
                MemorySegment.copy(buffer, keep - bufferAt, buffer, 0, tail);
                buffer.asSlice(tail).fill((byte) 0);
                bufferAt = keep;
            }
            end = to;
            return buffer.asSlice(from - bufferAt, length);
        }

        /** Writes out what is staged and maps the data read-only into {@code arena}; valid after commit or discard. */
        MemorySegment finish(Arena arena) throws IOException {
            writeFully(channel, buffer.asSlice(0, end - bufferAt).asByteBuffer(), bufferAt);
            bufferAt = end;
            return advised(channel.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, dataBytes, arena));
        }

        /** Forces the data to disk, then writes the header and renames the file into place. */
        void commit() throws IOException {
            try {
                channel.force(false);
                ByteBuffer header = ByteBuffer.allocate((int) HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(VERSION).put(key).putLong(dataBytes).clear();
                writeFully(channel, header, 0);
                channel.force(false);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                discard();
            }
        }

        /**
         * Frees the staging buffer, closes and deletes the temporary file (a mapping of it stays valid until its
         * arena closes).
         */
        void discard() throws IOException {
            try {
                if (staging.scope().isAlive()) {
                    staging.close();
                }
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long p = position;
        while (src.hasRemaining()) {
            p += ch.write(src, p);
        }
    }

    private static byte[] key(Path model, List<Linear> linears) throws IOException {
        MessageDigest sha = sha256();
        update(sha, "jllm interleaved weights " + VERSION + "\n" + Files.size(model) + " "
                + Files.getLastModifiedTime(model).toMillis() + "\n");
        Set<Class<?>> fingerprinted = new HashSet<>();
        for (Linear l : linears) {
            RowInterleavedKernel k = l.interleavedKernel();
            update(sha, l.weight().name() + " " + l.weight().type() + " " + l.inFeatures() + "x" + l.outFeatures()
                    + " " + k.getClass().getName() + "\n");
            // A file rewritten in place within the modification time's resolution, at the same size, is caught
            // by samples of each matrix's bytes: its first, middle and last 4 KiB. They go through CRC-32C, which
            // the JVM computes with the CPU's instruction from the first call, where SHA-256 over these 1-2 MB
            // took a quarter of a second of a cold load.
            MemorySegment data = l.weight().data();
            long sample = Math.min(SAMPLE_BYTES, data.byteSize());
            CRC32C crc = new CRC32C();
            for (long at : new long[] {0, (data.byteSize() - sample) / 2, data.byteSize() - sample}) {
                crc.update(data.asSlice(at, sample).asByteBuffer());
            }
            update(sha, Long.toHexString(crc.getValue()) + "\n");
            if (fingerprinted.add(k.getClass())) {
                sha.update(layoutFingerprint(k));
            }
        }
        return sha.digest();
    }

    /**
     * The kernel's interleaving of one group of rows of one block of fixed pseudo-random bytes: changes whenever the
     * layout does.
     */
    private static byte[] layoutFingerprint(RowInterleavedKernel k) {
        int rows = k.rowsPerGroup();
        int cols = k.type().blockSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(k.type().bytesFor((long) rows * cols));
            long state = 0x9E3779B97F4A7C15L;
            for (long i = 0; i + 8 <= src.byteSize(); i += 8) {
                state = state * 6364136223846793005L + 1442695040888963407L;
                src.set(I64, i, state);
            }
            MemorySegment dst = arena.allocate(k.interleavedBytes(rows, cols));
            k.interleave(src, cols, dst, 0, 1);
            return sha256().digest(dst.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
