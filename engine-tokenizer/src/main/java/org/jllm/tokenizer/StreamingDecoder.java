package org.jllm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Turns token ids into text one at a time without ever splitting a UTF-8 character: bytes of an incomplete character
 * are held back until the token that completes it arrives. Bytes that can never form a character are emitted as
 * U+FFFD. Not thread-safe: one per generation stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final byte[] pending = new byte[4];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text that token {@code id} completes; empty when it only starts a character. */
    public String next(int id) {
        return append(tokenizer.pieceBytes(id));
    }

    /** Text of anything still held back (an incomplete character at the end of the stream becomes U+FFFD). */
    public String flush() {
        String s = pendingLength == 0 ? "" : new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return s;
    }

    private String append(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        byte[] buf = new byte[pendingLength + bytes.length];
        System.arraycopy(pending, 0, buf, 0, pendingLength);
        System.arraycopy(bytes, 0, buf, pendingLength, bytes.length);
        pendingLength = 0;
        int start = 0;
        int i = 0;
        while (i < buf.length) {
            int len = Utf8.sequenceLength(buf[i]);
            if (len == 0) { // a stray continuation or invalid lead byte: never completes
                i++;
                continue;
            }
            if (i + len > buf.length) {
                if (Utf8.isValidPrefix(buf, i, buf.length - i)) {
                    out.append(new String(buf, start, i - start, StandardCharsets.UTF_8));
                    pendingLength = buf.length - i;
                    System.arraycopy(buf, i, pending, 0, pendingLength);
                    return out.toString();
                }
                i++;
                continue;
            }
            i += len;
        }
        out.append(new String(buf, start, buf.length - start, StandardCharsets.UTF_8));
        return out.toString();
    }
}
