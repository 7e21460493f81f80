package org.jllm.tokenizer.spm;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.jllm.tokenizer.AbstractTokenizer;
import org.jllm.tokenizer.IntList;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Utf8;
import org.jllm.tokenizer.TokenizationException;
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
public final class SpmTokenizer extends AbstractTokenizer {
    private static final byte[] SPACE_ESCAPE = "\u2581".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNKNOWN_PIECE = "\u2585".getBytes(StandardCharsets.UTF_8);

    private final BytesIndex idsByBytes;
    private final int[] byteTokens = new int[256];

    /** A tokenizer whose special tokens are the vocabulary's control, unknown and user-defined tokens. */
    public SpmTokenizer(Vocabulary vocab) {
        this(vocab, SpecialTokens.of(vocab, Set.of()));
    }

    public SpmTokenizer(Vocabulary vocab, SpecialTokens specials) {
        super(vocab, specials, id -> piece(vocab, id));
        int n = vocab.size();
        byte[][] texts = new byte[n][];
        for (int id = 0; id < n; id++) {
            texts[id] = vocab.token(id).getBytes(StandardCharsets.UTF_8);
        }
        this.idsByBytes = new BytesIndex(texts);
        for (int b = 0; b < 256; b++) {
            byte[] name = String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII);
            int id = idsByBytes.get(name, 0, name.length);
            if (id < 0) {
                // llama.cpp falls back to the byte itself as a one-byte token text.
                id = idsByBytes.get(new byte[] {(byte) b}, 0, 1);
            }
            byteTokens[b] = id;
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

    /** The space prefix goes before the text that starts the input and before text that follows a special token. */
    @Override
    protected void encodeText(String text, boolean first, boolean afterSpecial, IntList out) {
        tokenize(escape(text, vocab.addSpacePrefix() && (first || afterSpecial)), out);
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

        // Candidate merges as (score, left) keys: highest score first, leftmost among equal scores. An entry is
        // stale when the pair now at its position no longer has its score; an equal-score pair there has an
        // identical entry of its own, so taking either gives the same merges.
        Heap heap = new Heap(n);
        for (int i = 1; i < n; i++) {
            pushPair(text, start, len, i - 1, i, heap);
        }
        while (heap.size > 0) {
            long key = heap.pop();
            int l = (int) key;
            int r = next[l];
            if (len[l] == 0 || r < 0) {
                continue;
            }
            int id = idsByBytes.get(text, start[l], len[l] + len[r]);
            if (id < 0 || scoreKey(vocab.score(id)) != (int) (key >>> 32)) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                pushPair(text, start, len, prev[l], l, heap);
            }
            if (next[l] >= 0) {
                pushPair(text, start, len, l, next[l], heap);
            }
        }

        for (int i = 0; i >= 0 && n > 0; i = next[i]) {
            int id = idsByBytes.get(text, start[i], len[i]);
            if (id >= 0) {
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

    private void pushPair(byte[] text, int[] start, int[] len, int left, int right, Heap heap) {
        int id = idsByBytes.get(text, start[left], len[left] + len[right]);
        if (id >= 0) {
            heap.push(((long) scoreKey(vocab.score(id)) << 32) | left);
        }
    }

    /** An int that orders scores high to low when compared as unsigned (the heap's order). */
    private static int scoreKey(float score) {
        int bits = Float.floatToIntBits(score + 0.0f); // -0.0 and 0.0 tie, as in a float comparison
        int ascending = bits < 0 ? bits ^ 0x7FFFFFFF : bits; // signed order of ints = order of floats
        return ~(ascending ^ 0x80000000);                     // unsigned, then reversed
    }

    private static int utf8Length(byte lead) {
        int hi = (lead & 0xff) >> 4;
        return hi < 0xc ? 1 : hi < 0xe ? 2 : hi == 0xe ? 3 : 4;
    }

    /** A binary min-heap of unsigned long keys. */
    private static final class Heap {
        private long[] a;
        private int size;

        Heap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        void push(long v) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (Long.compareUnsigned(a[p], v) <= 0) {
                    break;
                }
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && Long.compareUnsigned(a[c + 1], a[c]) < 0) {
                    c++;
                }
                if (Long.compareUnsigned(a[c], last) >= 0) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            if (size > 0) {
                a[i] = last;
            }
            return top;
        }
    }

    /** Type of token {@code id}, for callers that render tokens. */
    public TokenType type(int id) {
        return vocab.type(id);
    }
}
