package org.jllm.tokenizer.bpe;

/**
 * GPT-2's pre-tokenizer regex, by hand:
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}.
 */
final class Gpt2Splitter extends MatchSplitter {
    static final String PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    @Override
    int match(PreText t, int pos, int end) {
        int[] cp = t.cps;
        int c = cp[pos];
        if (c == '\'' && pos + 1 < end) {
            int a = cp[pos + 1];
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return pos + 2;
            }
            if (pos + 2 < end) {
                int b = cp[pos + 2];
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return pos + 3;
                }
            }
        }
        // " ?X+" for X in letters, numbers, others: the optional space joins whatever run follows it.
        int s = c == ' ' && pos + 1 < end && t.cls[pos + 1] != PreText.WHITESPACE ? pos + 1 : pos;
        byte k = t.cls[s];
        if (k == PreText.LETTER || k == PreText.NUMBER) {
            return run(t, s + 1, end, k);
        }
        if (isOther(k)) {
            int e = s + 1;
            while (e < end && isOther(t.cls[e])) {
                e++;
            }
            return e;
        }
        // \s+(?!\S): a whitespace run, minus its last character when something follows it.
        int e = run(t, pos, end, PreText.WHITESPACE);
        if (e == end) {
            return e;
        }
        return e - pos >= 2 ? e - 1 : pos;
    }
}
