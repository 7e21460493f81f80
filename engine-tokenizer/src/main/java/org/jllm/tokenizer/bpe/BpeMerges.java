package org.jllm.tokenizer.bpe;

import java.util.Arrays;

/**
 * A BPE merge table over symbol ids, and the merge loop. Symbols are the vocabulary's tokens (symbol id = token id;
 * for texts that occur twice, the last id, as llama.cpp maps them) plus any merge result that is not a token (ids
 * from the vocabulary size up), so merging compares ints instead of strings. Immutable and thread-safe.
 *
 * <p>The loop merges the adjacent pair of lowest rank first, leftmost first among equal ranks, until no adjacent
 * pair has a rank: O(n log n) in the word length through a binary heap of (rank, position) keys.
 */
public final class BpeMerges {
    private final int vocabSize;
    private final Symbols symbols;
    private final PairRanks ranks;
    private final int[] results;

    /**
     * @param tokens token texts by id
     * @param merges merge pairs, rank = index; a pair whose parts can never occur is kept out
     */
    public BpeMerges(String[] tokens, MergeList merges) {
        this.vocabSize = tokens.length;
        int n = merges.size();
        this.symbols = new Symbols(tokens);
        this.results = new int[n];
        // One pass over each merge's characters hashes both parts; the result's hash follows from theirs
        // (String.hashCode of a + b is hash(a) * 31^|b| + hash(b)). A cold JVM spends most of this table's build
        // hashing, so the parts' hashes are kept for the second loop.
        int[] leftHashes = new int[n];
        int[] rightHashes = new int[n];
        for (int rank = 0; rank < n; rank++) {
            String text = merges.text(rank);
            int leftEnd = merges.leftEnd(rank);
            int rightStart = merges.rightStart(rank);
            int left = 0;
            for (int i = 0; i < leftEnd; i++) {
                left = 31 * left + text.charAt(i);
            }
            int right = 0;
            int power = 1;
            for (int i = rightStart; i < text.length(); i++) {
                right = 31 * right + text.charAt(i);
                power *= 31;
            }
            leftHashes[rank] = left;
            rightHashes[rank] = right;
            results[rank] = symbols.addMerged(text, leftEnd, rightStart, left * power + right);
        }
        // Parts are looked up once every merge result has its symbol: a part may be another merge's result.
        this.ranks = new PairRanks(n);
        for (int rank = 0; rank < n; rank++) {
            String text = merges.text(rank);
            int left = symbols.find(text, 0, merges.leftEnd(rank), leftHashes[rank]);
            int right = symbols.find(text, merges.rightStart(rank), text.length(), rightHashes[rank]);
            if (left >= 0 && right >= 0) {
                ranks.putIfAbsent(left, right, rank);
            }
        }
    }

    /** A table as {@link BpeMergesFile} stored it; the arrays are checked there. */
    BpeMerges(String[] tokens, String[] extraTexts, long[] symbolSlots, long[] pairKeys, int[] pairRanks,
              int[] results) {
        this.vocabSize = tokens.length;
        this.symbols = new Symbols(tokens, extraTexts, symbolSlots);
        this.ranks = new PairRanks(pairKeys, pairRanks);
        this.results = results;
    }

    int vocabSize() {
        return vocabSize;
    }

    /** Texts of the symbols that are not tokens, by id - vocabulary size. */
    String[] extraTexts() {
        return Arrays.copyOfRange(symbols.texts, vocabSize, symbols.count);
    }

    long[] symbolSlots() {
        return symbols.slots;
    }

    long[] pairKeys() {
        return ranks.keys;
    }

    int[] pairRanks() {
        return ranks.values;
    }

    int[] results() {
        return results;
    }

    /** Symbol id of {@code text}, or -1 when no token or merge result has that text. */
    public int symbol(String text) {
        return symbols.find(text, 0, text.length(), 0, 0);
    }

    /** Whether symbol {@code id} is a vocabulary token (not just an intermediate merge result). */
    public boolean isToken(int id) {
        return id >= 0 && id < vocabSize;
    }

    /** Text of a symbol that is not a token. */
    public String extraText(int id) {
        return symbols.text(id);
    }

    /** Rank of merging symbols {@code left} and {@code right}, or -1. */
    public int rank(int left, int right) {
        return left < 0 || right < 0 ? -1 : ranks.get(left, right);
    }

    /**
     * Merges the symbols {@code sym[0..n)} in place (-1 for a symbol no merge involves). {@code len} holds each
     * symbol's length in the caller's units and is summed along. Returns the number of symbols left; they are
     * compacted to the front of both arrays.
     */
    public int merge(int[] sym, int[] len, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        long[] heap = new long[Math.max(4, n)];
        int heapSize = 0;
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 0; i + 1 < n; i++) {
            int r = rank(sym[i], sym[i + 1]);
            if (r >= 0) {
                heap = push(heap, heapSize++, key(r, i));
            }
        }
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = pop(heap, heapSize);
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            // Stale entries: the left symbol was merged away, or either side changed since the pair was queued.
            if (len[left] == 0 || right < 0 || rank(sym[left], sym[right]) != rank) {
                continue;
            }
            sym[left] = results[rank];
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                int r = rank(sym[prev[left]], sym[left]);
                if (r >= 0) {
                    heap = push(heap, heapSize++, key(r, prev[left]));
                }
            }
            if (next[left] >= 0) {
                int r = rank(sym[left], sym[next[left]]);
                if (r >= 0) {
                    heap = push(heap, heapSize++, key(r, left));
                }
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            sym[m] = sym[i];
            len[m] = len[i];
            m++;
        }
        return m;
    }

    private static long key(int rank, int position) {
        return ((long) rank << 32) | position;
    }

    /** Min-heap push; returns the (possibly grown) array. */
    private static long[] push(long[] heap, int size, long value) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= value) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
        return heap;
    }

    /** Removes the minimum; returns the new size. */
    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }

    /**
     * Symbol texts by id (the tokens, then merge results that are not tokens) and an open-addressing table from text
     * to id, probed with regions of other strings so that merge parts need no string of their own. A text that occurs
     * twice among the tokens keeps the last id.
     */
    private static final class Symbols {
        private String[] texts;
        private int count;
        /**
         * Per slot: the text's hash in the high half, symbol id + 1 in the low half; 0 when empty. At most 60 % full:
         * it doubles as merge results are added (most are tokens already).
         */
        private long[] slots;
        private int mask;
        private int shift;

        Symbols(String[] tokens) {
            texts = Arrays.copyOf(tokens, tokens.length + 16);
            resize(Integer.highestOneBit(Math.max(16, tokens.length * 2 - 1)) * 2);
            for (int id = 0; id < tokens.length; id++) {
                String t = tokens[id];
                int h = t.hashCode();
                int i = slot(t, 0, t.length(), 0, 0, h);
                slots[i] = entry(h, id); // a repeated text: the later id replaces the earlier
            }
            count = tokens.length;
        }

        Symbols(String[] tokens, String[] extraTexts, long[] slots) {
            texts = Arrays.copyOf(tokens, tokens.length + extraTexts.length);
            System.arraycopy(extraTexts, 0, texts, tokens.length, extraTexts.length);
            count = texts.length;
            this.slots = slots;
            mask = slots.length - 1;
            shift = 32 - Integer.numberOfTrailingZeros(slots.length);
        }

        String text(int id) {
            return texts[id];
        }

        /** Id of the text s[from, to) + s[from2, to2), or -1. */
        int find(String s, int from, int to, int from2, int to2) {
            return (int) slots[slot(s, from, to, from2, to2, hash(s, from, to, from2, to2))] - 1;
        }

        /** Id of the text s[from, to), whose String.hashCode is {@code hash}, or -1. */
        int find(String s, int from, int to, int hash) {
            return (int) slots[slot(s, from, to, 0, 0, hash)] - 1;
        }

        private static long entry(int hash, int id) {
            return ((long) hash << 32) | (id + 1L);
        }

        /**
         * Id of left + right, the regions [0, leftEnd) and [rightStart, end) of s, added when new; {@code h} is the
         * String.hashCode of left + right.
         */
        int addMerged(String s, int leftEnd, int rightStart, int h) {
            int i = slot(s, 0, leftEnd, rightStart, s.length(), h);
            if (slots[i] != 0) {
                return (int) slots[i] - 1;
            }
            if (count == texts.length) {
                texts = Arrays.copyOf(texts, count * 2);
            }
            texts[count] = s.substring(0, leftEnd) + s.substring(rightStart);
            if ((count + 1) * 5L > slots.length * 3L) {
                resize(slots.length * 2);
                i = slot(s, 0, leftEnd, rightStart, s.length(), h);
            }
            slots[i] = entry(h, count);
            return count++;
        }

        /** A table of {@code cap} slots holding the current entries, placed by their stored hashes. */
        private void resize(int cap) {
            long[] old = slots;
            slots = new long[cap];
            mask = cap - 1;
            shift = 32 - Integer.numberOfTrailingZeros(cap);
            if (old == null) {
                return;
            }
            for (long e : old) {
                if (e != 0) {
                    int i = ((int) (e >>> 32) * 0x9E3779B9) >>> shift;
                    while (slots[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    slots[i] = e;
                }
            }
        }

        /** String.hashCode of the concatenated regions. */
        private static int hash(String s, int from, int to, int from2, int to2) {
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + s.charAt(i);
            }
            for (int i = from2; i < to2; i++) {
                h = 31 * h + s.charAt(i);
            }
            return h;
        }

        /** The slot holding the text s[from, to) + s[from2, to2), or the empty slot where it would go. */
        private int slot(String s, int from, int to, int from2, int to2, int h) {
            int length = to - from + to2 - from2;
            int i = (h * 0x9E3779B9) >>> shift;
            while (true) {
                long e = slots[i];
                if (e == 0) {
                    return i;
                }
                // The text itself is read only when the hashes agree.
                if ((int) (e >>> 32) == h) {
                    String t = texts[(int) e - 1];
                    if (t.length() == length && t.regionMatches(0, s, from, to - from)
                            && t.regionMatches(to - from, s, from2, to2 - from2)) {
                        return i;
                    }
                }
                i = (i + 1) & mask;
            }
        }
    }

    /** Open-addressing map from a pair of non-negative ints to a rank. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            // At most 60 % full.
            int cap = Integer.highestOneBit(Math.max(16, expected * 5 / 3)) * 2;
            keys = new long[cap];
            values = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        PairRanks(long[] keys, int[] values) {
            this.keys = keys;
            this.values = values;
            mask = keys.length - 1;
        }

        void putIfAbsent(int left, int right, int rank) {
            long key = ((long) left << 32) | right;
            int i = hash(key) & mask;
            while (keys[i] != -1L) {
                if (keys[i] == key) {
                    return; // the first (lowest) rank of a repeated merge wins
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = rank;
        }

        int get(int left, int right) {
            long key = ((long) left << 32) | right;
            int i = hash(key) & mask;
            while (true) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == -1L) {
                    return -1;
                }
                i = (i + 1) & mask;
            }
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
