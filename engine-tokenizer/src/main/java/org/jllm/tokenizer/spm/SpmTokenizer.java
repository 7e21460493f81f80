package org.jllm.tokenizer.spm;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.jllm.tokenizer.IntList;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Utf8;
import org.jllm.tokenizer.TokenizationException;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.Vocabulary;

/**
 * SentencePiece-style BPE, as llama.cpp's {@code llama} tokenizer model does it: spaces become U+2581 (with one
 * prepended when the vocabulary asks for a space prefix), the text is split into UTF-8 characters, and adjacent
 * pieces are merged greedily, highest token score first (leftmost on ties), as long as the merged text is a token.
 * A character that is no token is emitted as its UTF-8 bytes through the {@code <0xXX>} byte tokens.
 *
 * <p>Work happens on UTF-8 bytes; token texts are keyed by their bytes (held one byte per char in a Latin-1 string),
 * so lookups are exact byte comparisons as in llama.cpp.
 */
public final class SpmTokenizer implements Tokenizer {
    private static final byte[] SPACE_ESCAPE = "\u2581".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNKNOWN_PIECE = "\u2585".getBytes(StandardCharsets.UTF_8);

    private final Vocabulary vocab;
    private final SpecialTokens specials;
    private final Map<String, Integer> idsByBytes;
    private final byte[][] pieces;
    private final int[] byteTokens = new int[256];

    /** A tokenizer whose special tokens are the vocabulary's control, unknown and user-defined tokens. */
    public SpmTokenizer(Vocabulary vocab) {
        this(vocab, SpecialTokens.of(vocab, Set.of()));
    }

    public SpmTokenizer(Vocabulary vocab, SpecialTokens specials) {
        this.vocab = vocab;
        this.specials = specials;
        int n = vocab.size();
        this.idsByBytes = new HashMap<>(n * 2);
        this.pieces = new byte[n][];
        // The last of several tokens with the same text wins, as in llama.cpp's token map.
        for (int id = 0; id < n; id++) {
            idsByBytes.put(latin1(vocab.token(id).getBytes(StandardCharsets.UTF_8)), id);
        }
        for (int id = 0; id < n; id++) {
            pieces[id] = piece(vocab, id);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = idsByBytes.get(String.format("<0x%02X>", b));
            if (id == null) {
                // llama.cpp falls back to the byte itself as a one-byte token text.
                id = idsByBytes.get(String.valueOf((char) b));
            }
            byteTokens[b] = id == null ? -1 : id;
        }
    }

    private static byte[] piece(Vocabulary vocab, int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case NORMAL, USER_DEFINED -> text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            case UNKNOWN -> UNKNOWN_PIECE.clone();
            case BYTE -> parseByteToken(text);
            default -> new byte[0];
        };
    }

    private static byte[] parseByteToken(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // not a byte token after all: fall through to its text
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public byte[] pieceBytes(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + pieces.length);
        }
        return pieces[id].clone();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() + 2);
        if (addSpecial && vocab.addBos() && vocab.bosId() >= 0) {
            out.add(vocab.bosId());
        }
        specials.split(text, parseSpecial, new SpecialTokens.Sink() {
            // The space prefix goes before the first text and before text that follows a special token.
            private boolean afterSpecial = true;

            @Override
            public void text(String s) {
                tokenize(escape(s, vocab.addSpacePrefix() && afterSpecial), out);
                afterSpecial = false;
            }

            @Override
            public void token(int id) {
                out.add(id);
                afterSpecial = true;
            }
        });
        if (addSpecial && vocab.addEos() && vocab.eosId() >= 0) {
            out.add(vocab.eosId());
        }
        return out.toArray();
    }

    /** UTF-8 bytes of the text with the optional space prefix and every space replaced by U+2581. */
    private static byte[] escape(String text, boolean spacePrefix) {
        byte[] utf8 = Utf8.bytes(spacePrefix ? " " + text : text);
        int spaces = 0;
        for (byte b : utf8) {
            if (b == ' ') {
                spaces++;
            }
        }
        byte[] out = new byte[utf8.length + spaces * (SPACE_ESCAPE.length - 1)];
        int j = 0;
        for (byte b : utf8) {
            if (b == ' ') {
                System.arraycopy(SPACE_ESCAPE, 0, out, j, SPACE_ESCAPE.length);
                j += SPACE_ESCAPE.length;
            } else {
                out[j++] = b;
            }
        }
        return out;
    }

    private void tokenize(byte[] text, IntList out) {
        // Symbols: one per UTF-8 character, linked so merged neighbours can be skipped.
        int cap = text.length;
        int[] start = new int[cap];
        int[] len = new int[cap];
        int[] prev = new int[cap];
        int[] next = new int[cap];
        int n = 0;
        for (int off = 0; off < text.length; n++) {
            int charLen = Math.min(utf8Length(text[off]), text.length - off);
            start[n] = off;
            len[n] = charLen;
            prev[n] = n - 1;
            next[n] = off + charLen < text.length ? n + 1 : -1;
            off += charLen;
        }

        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < n; i++) {
            addBigram(text, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left;
            int r = b.right;
            // Skip bigrams made stale by an earlier merge of either side.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                addBigram(text, start, len, prev[l], l, queue);
            }
            if (next[l] >= 0) {
                addBigram(text, start, len, l, next[l], queue);
            }
        }

        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            Integer id = idsByBytes.get(latin1(text, start[i], len[i]));
            if (id != null) {
                out.add(id);
                continue;
            }
            // Merged symbols are always tokens, so this is one character the vocabulary lacks: emit its bytes.
            for (int k = 0; k < len[i]; k++) {
                int b = text[start[i] + k] & 0xff;
                if (byteTokens[b] < 0) {
                    throw new TokenizationException(unencodable(text, start[i], len[i], b));
                }
                out.add(byteTokens[b]);
            }
        }
    }

    private String unencodable(byte[] text, int off, int length, int b) {
        String ch = new String(text, off, length, StandardCharsets.UTF_8);
        String cp = ch.codePoints().mapToObj(c -> String.format("U+%04X", c)).reduce((a, c) -> a + " " + c)
                .orElse("");
        return String.format("cannot tokenize character '%s' (%s) at byte %d of the escaped text: the vocabulary of "
                + "%d tokens has no token for it and no byte token <0x%02X> to fall back on", ch, cp, off,
                vocab.size(), b);
    }

    private void addBigram(byte[] text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        int size = len[left] + len[right];
        Integer id = idsByBytes.get(latin1(text, start[left], size));
        if (id != null) {
            queue.add(new Bigram(left, right, vocab.score(id), size));
        }
    }

    private static int utf8Length(byte lead) {
        int hi = (lead & 0xff) >> 4;
        return hi < 0xc ? 1 : hi < 0xe ? 2 : hi == 0xe ? 3 : 4;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String latin1(byte[] bytes, int off, int len) {
        return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
    }

    /** Higher score first; on equal scores the leftmost pair first. */
    private record Bigram(int left, int right, float score, int size) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram o) {
            int c = Float.compare(o.score, score);
            return c != 0 ? c : Integer.compare(left, o.left);
        }
    }

    /** Type of token {@code id}, for callers that render tokens. */
    public TokenType type(int id) {
        return vocab.type(id);
    }
}
