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
