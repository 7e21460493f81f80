package org.jllm.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A metadata array of strings as the file holds them: every element's UTF-8 bytes in one heap array, decoded into a
 * {@code String} only when asked for. Parsing a 1B model's vocabulary (128k tokens) and merges (280k) is then one
 * bulk copy instead of 400k string decodes, which a JVM that has just started runs slowly; whoever needs the strings
 * decodes them, on its own thread. Immutable.
 */
public final class GgufStrings {
    /** The array's bytes as stored: each element's 8-byte length, then its UTF-8 bytes. */
    private final byte[] bytes;
    private final int[] starts;
    private final int[] lengths;

    GgufStrings(byte[] bytes, int[] starts, int[] lengths) {
        this.bytes = bytes;
        this.starts = starts;
        this.lengths = lengths;
    }

    public int size() {
        return starts.length;
    }

    /** Element {@code i}; malformed UTF-8 becomes U+FFFD (some vocabularies hold partial characters). */
    public String get(int i) {
        return new String(bytes, starts[i], lengths[i], StandardCharsets.UTF_8);
    }

    /** Every element, decoded. */
    public String[] toArray() {
        String[] v = new String[starts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = get(i);
        }
        return v;
    }

    /**
     * A CRC-32C of the array as stored (every length and byte), e.g. to recognize a vocabulary again without
     * decoding it.
     */
    public int crc32c() {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }

    /** Writes the array's elements as stored (each one's length, then its bytes), for {@link GgufWriter}. */
    void writeStored(OutputStream out) throws IOException {
        out.write(bytes);
    }

    /** The array's size in the file: the elements' UTF-8 bytes and an 8-byte length before each. */
    public int storedBytes() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "GgufStrings[" + starts.length + " strings, " + bytes.length + " bytes]";
    }
}
