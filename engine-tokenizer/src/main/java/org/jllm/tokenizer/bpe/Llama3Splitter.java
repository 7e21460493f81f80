package org.jllm.tokenizer.bpe;

/**
 * The Llama 3 pre-tokenizer regex, by hand:
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 * Qwen2 uses the same pattern with single digits ({@code \p{N}}), hence {@code maxDigits}.
 */
final class Llama3Splitter extends MatchSplitter {
    private final int maxDigits;

    Llama3Splitter(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    @Override
    int match(PreText t, int pos, int end) {
        int[] cp = t.cps;
        byte[] cls = t.cls;
        int c = cp[pos];
        byte k = cls[pos];
        if (c == '\'' && pos + 1 < end) {
            int a = asciiLower(cp[pos + 1]);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return pos + 2;
            }
            if (pos + 2 < end) {
                int b = asciiLower(cp[pos + 2]);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return pos + 3;
                }
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (k == PreText.LETTER) {
            return run(t, pos + 1, end, PreText.LETTER);
        }
        if (c != '\r' && c != '\n' && k != PreText.NUMBER && pos + 1 < end && cls[pos + 1] == PreText.LETTER) {
            return run(t, pos + 2, end, PreText.LETTER);
        }
        // \p{N}{1,maxDigits}
        if (k == PreText.NUMBER) {
            int e = pos + 1;
            while (e < end && e - pos < maxDigits && cls[e] == PreText.NUMBER) {
                e++;
            }
            return e;
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int s = c == ' ' && pos + 1 < end && isOther(cls[pos + 1]) ? pos + 1 : pos;
        if (isOther(cls[s])) {
            int e = s + 1;
            while (e < end && isOther(cls[e])) {
                e++;
            }
            while (e < end && (cp[e] == '\r' || cp[e] == '\n')) {
                e++;
            }
            return e;
        }
        // Whitespace: \s*[\r\n]+ ends after the run's last line break; else \s+(?!\S) leaves the run's last
        // character to the word that follows; else \s+ takes a single character.
        int e = run(t, pos, end, PreText.WHITESPACE);
        for (int j = e - 1; j >= pos; j--) {
            if (cp[j] == '\r' || cp[j] == '\n') {
                return j + 1;
            }
        }
        if (e == end) {
            return e;
        }
        return e - pos >= 2 ? e - 1 : e;
    }
}
