package org.jllm.tokenizer.bpe;

import java.util.List;

/**
 * BPE merge pairs in rank order, kept as the texts they came in: merge r is {@code left(r)} + {@code right(r)}, the
 * regions {@code [0, leftEnd)} and {@code [rightStart, end)} of one string, so a table of 280k merges is read without
 * splitting a string per merge. Immutable.
 */
public final class MergeList {
    private final String[] texts;
    private final int[] leftEnds;
    private final int[] rightStarts;

    private MergeList(String[] texts, int[] leftEnds, int[] rightStarts) {
        this.texts = texts;
        this.leftEnds = leftEnds;
        this.rightStarts = rightStarts;
    }

    /**
     * Merges from their text form {@code "left right"}: split at the first space after the first character, as
     * llama.cpp reads {@code tokenizer.ggml.merges} (so a left symbol may be a space itself).
     *
     * @throws IllegalArgumentException naming the index of a merge without such a space
     */
    public static MergeList parse(String[] lines) {
        int[] leftEnds = new int[lines.length];
        int[] rightStarts = new int[lines.length];
        for (int i = 0; i < lines.length; i++) {
            int sp = lines[i].indexOf(' ', 1);
            if (sp < 0) {
                throw new IllegalArgumentException("merge " + i + " '" + lines[i] + "' is not two symbols separated "
                        + "by a space");
            }
            leftEnds[i] = sp;
            rightStarts[i] = sp + 1;
        }
        return new MergeList(lines.clone(), leftEnds, rightStarts);
    }

    /** Merges given as {left, right} pairs (symbols may contain spaces). */
    public static MergeList ofPairs(List<String[]> pairs) {
        String[] texts = new String[pairs.size()];
        int[] ends = new int[pairs.size()];
        for (int i = 0; i < texts.length; i++) {
            String[] p = pairs.get(i);
            texts[i] = p[0] + p[1];
            ends[i] = p[0].length();
        }
        return new MergeList(texts, ends, ends.clone());
    }

    public int size() {
        return texts.length;
    }

    public String left(int rank) {
        return texts[rank].substring(0, leftEnds[rank]);
    }

    public String right(int rank) {
        return texts[rank].substring(rightStarts[rank]);
    }

    /** The string holding merge {@code rank}'s two symbols. */
    String text(int rank) {
        return texts[rank];
    }

    int leftEnd(int rank) {
        return leftEnds[rank];
    }

    int rightStart(int rank) {
        return rightStarts[rank];
    }
}
