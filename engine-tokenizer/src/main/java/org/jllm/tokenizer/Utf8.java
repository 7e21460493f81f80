package org.jllm.tokenizer;

/** Small UTF-8 helpers shared by the tokenizers. */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * Length of the sequence a lead byte announces, by its high bits (1 for ASCII, 2-4 for lead bytes, 0 for a
     * continuation byte). The same table llama.cpp uses to split text into characters.
     */
    /** UTF-8 of {@code text}, with unpaired surrogates encoded as U+FFFD (String.getBytes would give '?'). */
    public static byte[] bytes(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                StringBuilder sb = new StringBuilder(text.length());
                text.codePoints().forEach(cp -> sb.appendCodePoint(Character.isSurrogate((char) cp)
                        && cp <= 0xFFFF ? 0xFFFD : cp));
                return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The text of UTF-8 bytes, strictly: malformed or truncated sequences, surrogates encoded in UTF-8 and overlong
     * forms throw.
     *
     * @throws TokenizationException naming the byte offset of the first invalid sequence
     */
    public static String decodeStrict(byte[] utf8) {
        java.nio.charset.CharsetDecoder d = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(utf8);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(utf8.length);
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(utf8.length, at + r.length()); i++) {
                hex.append(String.format(" %02X", utf8[i] & 0xff));
            }
            throw new TokenizationException("invalid UTF-8 at byte offset " + at + ":" + hex + " is not a valid "
                    + "sequence (" + (r.isMalformed() ? "malformed" : "unmappable") + ")");
        }
        out.flip();
        return out.toString();
    }

    static int sequenceLength(byte lead) {
        int b = lead & 0xff;
        if (b < 0x80) {
            return 1;
        }
        if (b < 0xc0) {
            return 0;
        }
        if (b < 0xe0) {
            return 2;
        }
        if (b < 0xf0) {
            return 3;
        }
        return b < 0xf8 ? 4 : 0;
    }

    /** Whether buf[off..off+len) could still become a valid character once more continuation bytes arrive. */
    static boolean isValidPrefix(byte[] buf, int off, int len) {
        for (int k = 1; k < len; k++) {
            if ((buf[off + k] & 0xc0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
