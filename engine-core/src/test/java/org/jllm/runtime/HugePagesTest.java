package org.jllm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory for weight copies on huge pages: aligned, zeroed, owned by the arena; none where it cannot be asked for.
 * File mappings advised onto huge pages.
 */
class HugePagesTest {
    private static final long HUGE = 2L << 20;

    private static boolean available() {
        return System.getProperty("os.name", "").startsWith("Linux")
                && HugePagesTest.class.getModule().isNativeAccessEnabled();
    }

    @Test
    void allocatesZeroedMemoryOnA2MiBBoundaryOwnedByTheArena() {
        assumeTrue(available(), "needs Linux and --enable-native-access (the build's test JVMs have it)");
        long bytes = 5 * HUGE + 12345;
        MemorySegment s;
        try (Arena arena = Arena.ofShared()) {
            s = HugePages.allocate(arena, bytes);
            assertEquals(bytes, s.byteSize());
            assertEquals(0, s.address() % HUGE, "starts on a huge-page boundary");
            for (long at = 0; at < bytes; at += 4096) {
                assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at), "fresh memory reads as zero at " + at);
            }
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8, 0x0123456789abcdefL);
            assertEquals(0x0123456789abcdefL, s.get(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8));
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, bytes));
        }
        assertFalse(s.scope().isAlive(), "unmapped with its arena");
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** The advice shows in the mapping's flags ("hg" in /proc/self/smaps), and the mapping still reads the file. */
    @Test
    void fileMappingsAreAdvisedOntoHugePages(@TempDir Path dir)
            throws IOException {
        assumeTrue(available(), "needs Linux and --enable-native-access (the build's test JVMs have it)");
        Path file = dir.resolve("weights.bin");
        byte[] bytes = new byte[(int) (3 * HUGE)];
        new Random(5).nextBytes(bytes);
        Files.write(file, bytes);
        try (Arena arena = Arena.ofShared();
                var ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            assertFalse(flags(m).contains(" hg"), "not advised yet: " + flags(m));
            assertEquals(true, HugePages.adviseFileMapping(m));
            assertEquals(true, flags(m).contains(" hg"), "advised: " + flags(m));
            for (int at = 0; at < bytes.length; at += 4093) {
                assertEquals(bytes[at], m.get(ValueLayout.JAVA_BYTE, at), "byte " + at);
            }
        }
    }

    /** The VmFlags line of the mapping holding {@code m}'s first byte, from /proc/self/smaps. */
    private static String flags(MemorySegment m) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = from <= m.address() && m.address() < to;
            } else if (inside && line.startsWith("VmFlags:")) {
                return line + " ";
            }
        }
        throw new AssertionError("no mapping holds address " + Long.toHexString(m.address()));
    }

    @Test
    void nothingToAllocateGivesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            assertNull(HugePages.allocate(arena, 0));
        }
    }
}
