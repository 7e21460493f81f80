package org.jllm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Memory for weight copies on huge pages: aligned, zeroed, owned by the arena; none where it cannot be asked for. */
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

    @Test
    void nothingToAllocateGivesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            assertNull(HugePages.allocate(arena, 0));
        }
    }
}
