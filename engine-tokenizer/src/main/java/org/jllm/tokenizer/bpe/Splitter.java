package org.jllm.tokenizer.bpe;

import org.jllm.tokenizer.IntList;

/**
 * One step of pre-tokenization: cuts a range of code points into pieces. Like llama.cpp's regex split, a piece is
 * either a match or the unmatched text between matches, so the pieces always cover the range.
 */
interface Splitter {

    /** Appends the lengths (in code points) of the pieces of {@code text[from..to)} to {@code out}. */
    void split(PreText text, int from, int to, IntList out);
}
