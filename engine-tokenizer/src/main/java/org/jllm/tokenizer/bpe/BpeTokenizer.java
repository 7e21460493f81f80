package org.jllm.tokenizer.bpe;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.jllm.tokenizer.AbstractTokenizer;
import org.jllm.tokenizer.IntList;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.Vocabulary;

/**
 * Byte-level BPE as llama.cpp's {@code gpt2} tokenizer model does it: special tokens are cut out first, the rest is
 * split into words by the pre-tokenizer, each word's UTF-8 bytes become GPT-2's stand-in characters
 * ({@link ByteLevel}), and adjacent symbols merge by rank. A merged symbol that is not a token is emitted as the
 * single-byte tokens of its text (llama.cpp's fallback). Immutable and thread-safe; repeated words come from a cache.
 */
public final class BpeTokenizer extends AbstractTokenizer {
    private static final int CACHE_LIMIT = 1 << 16;

    private final BpeMerges merges;
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    private final int[] byteSymbols = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges       merge pairs, rank = list index
     * @param ignoreMerges a word that is itself a token is emitted whole (Llama 3)
     */
    public BpeTokenizer(Vocabulary vocab, MergeList merges, PreTokenizer pre, boolean ignoreMerges,
                        SpecialTokens specials) {
        this(vocab, new BpeMerges(vocab.tokens(), merges), pre, ignoreMerges, specials);
    }

    /** As above, with the merge table already built over {@code vocab}'s tokens. */
    public BpeTokenizer(Vocabulary vocab, BpeMerges merges, PreTokenizer pre, boolean ignoreMerges,
                        SpecialTokens specials) {
        super(vocab, specials, id -> piece(vocab, id));
        this.merges = merges;
        this.pre = pre;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            byteSymbols[b] = this.merges.symbol(String.valueOf(ByteLevel.charOf(b)));
        }
    }

    /** Normal tokens are byte-level text; user-defined tokens stand for their own text; the rest print nothing. */
    private static byte[] piece(Vocabulary vocab, int id) {
        return switch (vocab.type(id)) {
            case NORMAL -> ByteLevel.decode(vocab.token(id));
            case USER_DEFINED -> vocab.token(id).getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    public PreTokenizer preTokenizer() {
        return pre;
    }

    @Override
    protected void encodeText(String s, boolean first, boolean afterSpecial, IntList out) {
        PreText t = new PreText(s);
        IntList words = pre.split(t);
        byte[] buf = new byte[64];
        int pos = 0;
        for (int w = 0; w < words.size(); w++) {
            int len = words.get(w);
            if (buf.length < len * 4) {
                buf = new byte[len * 4];
            }
            int n = utf8(t.cps, pos, pos + len, buf);
            pos += len;
            String word = ByteLevel.encode(buf, 0, n);
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = wordIds(word, buf, n);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private int[] wordIds(String word, byte[] bytes, int n) {
        if (ignoreMerges) {
            int id = merges.symbol(word);
            if (merges.isToken(id)) {
                return new int[] {id};
            }
        }
        int[] sym = new int[n];
        int[] len = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbols[bytes[i] & 0xff];
            len[i] = 1;
        }
        int m = merges.merge(sym, len, n);
        IntList ids = new IntList(m);
        int off = 0;
        for (int k = 0; k < m; k++) {
            if (merges.isToken(sym[k])) {
                ids.add(sym[k]);
            } else {
                String text = sym[k] >= 0 ? merges.extraText(sym[k]) : word.substring(off, off + len[k]);
                for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                    int id = b >= 0 ? merges.symbol(String.valueOf((char) b)) : -1;
                    if (merges.isToken(id)) {
                        ids.add(id);
                    }
                }
            }
            off += len[k];
        }
        return ids.toArray();
    }

    /** UTF-8 of code points {@code cps[from..to)} into {@code out}; returns the byte count. */
    static int utf8(int[] cps, int from, int to, byte[] out) {
        int n = 0;
        for (int i = from; i < to; i++) {
            int c = cps[i];
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                out[n++] = (byte) (0xE0 | (c >> 12));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else {
                out[n++] = (byte) (0xF0 | (c >> 18));
                out[n++] = (byte) (0x80 | ((c >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }
}
