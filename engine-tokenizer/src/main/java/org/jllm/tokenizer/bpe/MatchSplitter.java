package org.jllm.tokenizer.bpe;

import org.jllm.tokenizer.IntList;

/** A hand-written splitter: {@link #match} gives the end of the match at a position, as a regex's find would. */
abstract class MatchSplitter implements Splitter {

    /** End of the match starting at {@code pos}, or {@code pos} when none of the alternatives matches there. */
    abstract int match(PreText t, int pos, int end);

    @Override
    public final void split(PreText t, int from, int to, IntList out) {
        int gapStart = from;
        int pos = from;
        while (pos < to) {
            int e = match(t, pos, to);
            if (e == pos) {
                pos++;
                continue;
            }
            if (pos > gapStart) {
                out.add(pos - gapStart);
            }
            out.add(e - pos);
            pos = e;
            gapStart = e;
        }
        if (to > gapStart) {
            out.add(to - gapStart);
        }
    }

    static int run(PreText t, int pos, int end, byte cls) {
        while (pos < end && t.cls[pos] == cls) {
            pos++;
        }
        return pos;
    }

    /** Neither whitespace, letter nor number: {@code [^\s\p{L}\p{N}]}. */
    static boolean isOther(byte cls) {
        return cls == PreText.OTHER || cls == PreText.PUNCTUATION;
    }

    static int asciiLower(int cp) {
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    }
}
