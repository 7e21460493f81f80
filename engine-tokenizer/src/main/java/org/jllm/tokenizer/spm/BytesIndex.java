package org.jllm.tokenizer.spm;

import java.util.Arrays;

/**
 * Token ids by the exact bytes of their text, looked up from a range of a byte array without allocating (the
 * SentencePiece merge loop asks for every adjacent pair). Open addressing; for texts shared by several ids the last
 * id wins, as in llama.cpp's token map. Immutable after construction.
 */
final class BytesIndex {
    private final byte[][] keys;
    private final int[] ids;
    private final int mask;

    BytesIndex(byte[][] texts) {
        int cap = Integer.highestOneBit(Math.max(16, texts.length * 2)) * 2;
        keys = new byte[cap][];
        ids = new int[cap];
        mask = cap - 1;
        for (int id = 0; id < texts.length; id++) {
            byte[] t = texts[id];
            int i = hash(t, 0, t.length) & mask;
            while (keys[i] != null && !Arrays.equals(keys[i], t)) {
                i = (i + 1) & mask;
            }
            keys[i] = t;
            ids[i] = id;
        }
    }

    /** Id of the token whose text is {@code b[off..off+len)}, or -1. */
    int get(byte[] b, int off, int len) {
        int i = hash(b, off, len) & mask;
        while (true) {
            byte[] k = keys[i];
            if (k == null) {
                return -1;
            }
            if (k.length == len && Arrays.equals(k, 0, len, b, off, off + len)) {
                return ids[i];
            }
            i = (i + 1) & mask;
        }
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811C9DC5;
        for (int i = off; i < off + len; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
