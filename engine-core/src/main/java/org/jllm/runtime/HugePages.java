package org.jllm.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Off-heap memory on 2 MiB transparent huge pages, for weight copies that decoding reads in full once per token: on
 * 4 KiB pages the TLB misses of a 1 GB model cost about as much as the reads (1B Q4_0, 2 threads: ~1.3-1.5x the
 * tokens/s on 2 MiB pages). The JDK's arenas hand out memory that Linux backs with huge pages only when asked
 * ({@code /sys/kernel/mm/transparent_hugepage/enabled} is {@code madvise} on most systems), so this maps it with
 * {@code mmap} and asks with {@code madvise(MADV_HUGEPAGE)}. That takes native access; without it (or off Linux)
 * {@link #allocate} returns null and callers use an arena's memory. {@link #adviseFileMapping} asks the same for the
 * mapped model and weight cache files.
 */
public final class HugePages {
    private static final Logger LOG = LoggerFactory.getLogger(HugePages.class);
    private static final long HUGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MUNMAP;

    static {
        MethodHandle mmap = null;
        MethodHandle madvise = null;
        MethodHandle munmap = null;
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        // The flag values above are Linux's on x86-64 and AArch64.
        boolean linux = os.startsWith("Linux") && (arch.equals("amd64") || arch.equals("aarch64"));
        if (linux && HugePages.class.getModule().isNativeAccessEnabled()) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException e) {
                LOG.debug("no huge pages for weight copies: {}", e.toString());
                mmap = null;
            }
        } else {
            LOG.debug("no huge pages for weight copies: {}", linux
                    ? "native access is not enabled (--enable-native-access=ALL-UNNAMED)" : "not Linux");
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private HugePages() {
    }

    /**
     * Sets up the native calls now, if not done yet: a JVM's first native call costs ~0.13 s of method-handle
     * set-up, which a caller can spend on another thread while it does other work (a model load parses the file
     * meanwhile).
     */
    public static void prepare() {
        // the class initializer did the work
    }

    /**
     * {@code bytes} of zeroed memory starting on a 2 MiB boundary, asked to be backed by huge pages and unmapped when
     * {@code arena} closes; null when this JVM cannot ask (see the class comment) or the mapping fails. The pages
     * are faulted in as they are first written, by whichever thread writes them.
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (MMAP == null || bytes <= 0) {
            return null;
        }
        long length = (bytes + HUGE - 1) / HUGE * HUGE + HUGE; // room to start on a 2 MiB boundary
        try {
            MemorySegment mapped = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            long base = mapped.address();
            if (base == -1L) {
                LOG.debug("mmap of {} bytes failed: using an arena's memory", length);
                return null;
            }
            long aligned = (base + HUGE - 1) / HUGE * HUGE;
            int advised = (int) MADVISE.invokeExact(MemorySegment.ofAddress(aligned), length - HUGE, MADV_HUGEPAGE);
            if (advised != 0) {
                LOG.debug("madvise(MADV_HUGEPAGE) failed: 4 KiB pages");
            }
            return MemorySegment.ofAddress(aligned).reinterpret(bytes, arena, s -> unmap(base, length));
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            LOG.debug("no huge pages for weight copies: {}", e.toString());
            return null;
        }
    }

    /**
     * Asks that a file mapping's pages be 2 MiB ones ({@code madvise(MADV_HUGEPAGE)}); true when the kernel took the
     * advice. A file's pages come from its page cache: cached ones keep the size they have, and those read in later
     * through the mapping are then read in 2 MiB folios where the file system can, mapped as 2 MiB pages. Without it,
     * the scattered first reads of a model file (decoding reads its float matrices in place; prompt blocks read every
     * matrix there) read it in 4 KiB folios: a 1B F16 file just out of the page cache ended with 0.45 of its 2.4 GB
     * on 2 MiB pages and decoded 6.0-7.1 tokens/s; advised, 2.38 GB and 10.1 tokens/s. False, and nothing asked,
     * where native access is not enabled.
     */
    public static boolean adviseFileMapping(MemorySegment mapped) {
        if (MADVISE == null || mapped.byteSize() == 0) {
            return false;
        }
        try {
            int result = (int) MADVISE.invokeExact(mapped, mapped.byteSize(), MADV_HUGEPAGE);
            if (result != 0) {
                LOG.debug("madvise(MADV_HUGEPAGE) of a {}-byte file mapping failed", mapped.byteSize());
            }
            return result == 0;
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            LOG.debug("madvise(MADV_HUGEPAGE) of a file mapping failed: {}", e.toString());
            return false;
        }
    }

    private static void unmap(long base, long length) {
        int result;
        try {
            result = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), length);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("munmap of weight copies failed", e);
        }
        if (result != 0) {
            LOG.warn("munmap of {} bytes of weight copies failed", length);
        }
    }
}
