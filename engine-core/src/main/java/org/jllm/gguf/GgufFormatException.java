package org.jllm.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF file is malformed, truncated, or asks for something this reader refuses (an unknown tensor type, an absurd
 * count). The message names the file, the field or tensor, and the byte offset where the problem was found.
 */
public class GgufFormatException extends IOException {
    private final transient Path file;
    private final long offset;

    public GgufFormatException(Path file, long offset, String what) {
        super(file + ": " + what + " (at byte offset " + offset + ")");
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file where the problem was found, or -1 when it is not about one place. */
    public long offset() {
        return offset;
    }
}
