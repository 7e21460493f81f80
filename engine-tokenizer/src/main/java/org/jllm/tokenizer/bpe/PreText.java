package org.jllm.tokenizer.bpe;

/**
 * Text being pre-tokenized: its code points, each one's character class, and the two stand-in strings llama.cpp's
 * regex splitting runs on (built on first use). Unpaired surrogates of the Java string become U+FFFD.
 */
final class PreText {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte PUNCTUATION = 3;
    static final byte WHITESPACE = 4;

    final int[] cps;
    final byte[] cls;
    final int length;
    private String collapsed;
    private String wide;
    private int[] wideStart;
    private int[] cpOfWideChar;

    PreText(String text) {
        int[] cp = new int[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp[n++] = Character.toCodePoint(c, text.charAt(i + 1));
                i += 2;
            } else {
                cp[n++] = Character.isSurrogate(c) ? 0xFFFD : c;
                i++;
            }
        }
        this.cps = cp;
        this.length = n;
        this.cls = new byte[n];
        for (int i = 0; i < n; i++) {
            cls[i] = classOf(cp[i]);
        }
    }

    /** Unicode's White_Space property (the set llama.cpp's splitters treat as {@code \s}). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    static byte classOf(int cp) {
        if (isWhitespace(cp)) {
            return WHITESPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            default -> OTHER;
        };
    }

    /**
     * One char per code point: ASCII as is, other code points by class (whitespace U+000B, letter U+00D2, number
     * U+00D1, punctuation U+00D3, anything else U+00D0), so regexes over {@code \p{L}}, {@code \p{N}},
     * {@code \p{P}} can run on it as llama.cpp runs them.
     */
    String collapsed() {
        if (collapsed == null) {
            char[] c = new char[length];
            for (int i = 0; i < length; i++) {
                int cp = cps[i];
                c[i] = cp < 128 ? (char) cp : switch (cls[i]) {
                    case WHITESPACE -> '\u000B';
                    case LETTER -> '\u00D2';
                    case NUMBER -> '\u00D1';
                    case PUNCTUATION -> '\u00D3';
                    default -> '\u00D0';
                };
            }
            collapsed = new String(c);
        }
        return collapsed;
    }

    /** The text with non-ASCII whitespace replaced by U+000B (regexes without categories run on this). */
    String wide() {
        if (wide == null) {
            StringBuilder sb = new StringBuilder(length);
            wideStart = new int[length + 1];
            for (int i = 0; i < length; i++) {
                wideStart[i] = sb.length();
                int cp = cps[i];
                sb.appendCodePoint(cp > 0x7F && cls[i] == WHITESPACE ? 0x0B : cp);
            }
            wideStart[length] = sb.length();
            wide = sb.toString();
            cpOfWideChar = new int[wide.length() + 1];
            for (int i = 0; i <= length; i++) {
                cpOfWideChar[wideStart[i]] = i;
            }
        }
        return wide;
    }

    int wideIndex(int cp) {
        return wideStart[cp];
    }

    int cpIndexOfWide(int charIndex) {
        return cpOfWideChar[charIndex];
    }
}
