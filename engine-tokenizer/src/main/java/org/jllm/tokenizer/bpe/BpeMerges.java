package org.jllm.tokenizer.bpe;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    private final Map<String, Integer> symbols;
    private final String[] extraTexts;
    private final PairRanks ranks;
    private final int[] results;

    /**
     * @param tokens token texts by id
     * @param merges merge pairs, rank = list index; a pair whose parts can never occur is kept out
     */
    public BpeMerges(String[] tokens, List<String[]> merges) {
        this.vocabSize = tokens.length;
        this.symbols = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            symbols.put(tokens[id], id);
        }
        List<String> extras = new java.util.ArrayList<>();
        this.results = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            String merged = m[0] + m[1];
            Integer id = symbols.putIfAbsent(merged, vocabSize + extras.size());
            if (id == null) {
                id = vocabSize + extras.size();
                extras.add(merged);
            }
            results[rank] = id;
        }
        this.extraTexts = extras.toArray(new String[0]);
        this.ranks = new PairRanks(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer left = symbols.get(m[0]);
            Integer right = symbols.get(m[1]);
            if (left != null && right != null) {
                ranks.putIfAbsent(left, right, rank);
            }
        }
    }

    /** Symbol id of {@code text}, or -1 when no token or merge result has that text. */
    public int symbol(String text) {
        Integer id = symbols.get(text);
        return id == null ? -1 : id;
    }

    /** Whether symbol {@code id} is a vocabulary token (not just an intermediate merge result). */
    public boolean isToken(int id) {
        return id >= 0 && id < vocabSize;
    }

    /** Text of a symbol that is not a token. */
    public String extraText(int id) {
        return extraTexts[id - vocabSize];
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

    /** Open-addressing map from a pair of non-negative ints to a rank. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2 + 1)) * 2;
            keys = new long[cap];
            values = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
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
