package org.jllm.tokenizer.hf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jllm.tokenizer.AbstractTokenizer;
import org.jllm.tokenizer.IntList;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenizationException;
import org.jllm.tokenizer.Vocabulary;
import org.jllm.tokenizer.bpe.BpeMerges;
import org.jllm.tokenizer.bpe.MergeList;

/**
 * A Hugging Face {@code tokenizer.json} BPE tokenizer, run as the {@code tokenizers} library runs it: added tokens are
 * cut out, each remaining segment is normalized and pre-tokenized, each piece is split into characters (unknown
 * characters become {@code <0xNN>} byte tokens with {@code byte_fallback}, else the unknown token) and merged by
 * rank; the post-processor's template adds special tokens. Added tokens marked special are matched only when
 * special-token parsing is asked for (Hugging Face matches them always). Immutable and thread-safe.
 */
public final class HfTokenizer extends AbstractTokenizer {
    private static final int CACHE_LIMIT = 1 << 16;

    private final BpeMerges merges;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteTokens = new int[256];
    private final Normalizer normalizer;
    private final PreTokenizerStep preTokenizer;
    private final DecoderSteps decoder;
    private final int[] prefix;
    private final int[] suffix;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    HfTokenizer(Vocabulary vocab, MergeList merges, boolean byteFallback, boolean fuseUnk, boolean ignoreMerges,
                Normalizer normalizer, PreTokenizerStep preTokenizer, DecoderSteps decoder, SpecialTokens added,
                int[] prefix, int[] suffix) {
        super(vocab, added, id -> piece(vocab, decoder, id));
        this.merges = new BpeMerges(vocab.tokens(), merges);
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.prefix = prefix.clone();
        this.suffix = suffix.clone();
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.find(String.format("<0x%02X>", b)).orElse(-1);
        }
    }

    /** Control and unknown tokens print nothing, user-defined tokens their text, the rest what the decoder makes. */
    private static byte[] piece(Vocabulary vocab, DecoderSteps decoder, int id) {
        byte[] text = vocab.token(id).getBytes(StandardCharsets.UTF_8);
        return switch (vocab.type(id)) {
            case CONTROL, UNKNOWN -> new byte[0];
            case USER_DEFINED -> text;
            default -> decoder.token(text);
        };
    }

    /** The pieces joined, then the decoder's whole-sequence steps (e.g. stripping the prepended space). */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(pieceBytes(id));
        }
        return new String(decoder.sequence(out.toByteArray()), StandardCharsets.UTF_8);
    }

    @Override
    protected void addPrefix(IntList out) {
        out.addAll(prefix);
    }

    @Override
    protected void addSuffix(IntList out) {
        out.addAll(suffix);
    }

    @Override
    protected void encodeText(String s, boolean first, boolean afterSpecial, IntList out) {
        for (String piece : preTokenizer.apply(List.of(normalizer.apply(s)), first)) {
            out.addAll(pieceIds(piece));
        }
    }

    private int[] pieceIds(String piece) {
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = merge(piece);
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        return ids;
    }

    private int[] merge(String piece) {
        if (ignoreMerges) {
            int id = merges.symbol(piece);
            if (merges.isToken(id)) {
                return new int[] {id};
            }
        }
        int[] sym = new int[piece.length() * 4];
        int n = 0;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            String ch = piece.substring(i, i + Character.charCount(cp));
            i += ch.length();
            int id = merges.symbol(ch);
            if (merges.isToken(id)) {
                sym[n++] = id;
                continue;
            }
            if (byteFallback && hasByteTokens(ch)) {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    sym[n++] = byteTokens[b & 0xff];
                }
                continue;
            }
            int unk = vocab.unkId();
            if (unk < 0) {
                throw new TokenizationException(String.format("cannot tokenize character '%s' (U+%04X): the "
                        + "vocabulary has no token for it and no unknown token", ch, cp));
            }
            if (!(fuseUnk && n > 0 && sym[n - 1] == unk)) {
                sym[n++] = unk;
            }
        }
        int[] len = new int[n];
        java.util.Arrays.fill(len, 1);
        int m = merges.merge(sym, len, n);
        return java.util.Arrays.copyOf(sym, m);
    }

    private boolean hasByteTokens(String ch) {
        for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
            if (byteTokens[b & 0xff] < 0) {
                return false;
            }
        }
        return true;
    }
}
