package org.jllm.tokenizer;

import java.util.function.IntFunction;

/**
 * What the tokenizer families share: the vocabulary, each id's piece, and the outer encode loop (special tokens
 * first, BOS/EOS around). Subclasses encode the raw-text fragments between special tokens.
 */
public abstract class AbstractTokenizer implements Tokenizer {
    protected final Vocabulary vocab;
    private final SpecialTokens specials;
    private final IntFunction<byte[]> pieces;

    /**
     * @param pieces an id's bytes in generated text, a new array each call: made when asked for (one per generated
     *               token) rather than for the whole vocabulary at load
     */
    protected AbstractTokenizer(Vocabulary vocab, SpecialTokens specials, IntFunction<byte[]> pieces) {
        this.vocab = vocab;
        this.specials = specials;
        this.pieces = pieces;
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public byte[] pieceBytes(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size());
        }
        return pieces.apply(id);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 2 + 2);
        if (addSpecial) {
            addPrefix(out);
        }
        specials.split(text, parseSpecial, new SpecialTokens.Sink() {
            private int fragments;
            private boolean afterSpecial;

            @Override
            public void text(String s) {
                encodeText(s, fragments == 0, afterSpecial, out);
                fragments++;
                afterSpecial = false;
            }

            @Override
            public void token(int id) {
                out.add(id);
                fragments++;
                afterSpecial = true;
            }
        });
        if (addSpecial) {
            addSuffix(out);
        }
        return out.toArray();
    }

    /** Tokens put before the text when special tokens are added: BOS when the vocabulary asks for it. */
    protected void addPrefix(IntList out) {
        if (vocab.addBos() && vocab.bosId() >= 0) {
            out.add(vocab.bosId());
        }
    }

    /** Tokens put after the text when special tokens are added: EOS when the vocabulary asks for it. */
    protected void addSuffix(IntList out) {
        if (vocab.addEos() && vocab.eosId() >= 0) {
            out.add(vocab.eosId());
        }
    }

    /**
     * Appends the ids of one raw-text fragment.
     *
     * @param first        the fragment starts the input
     * @param afterSpecial the fragment follows a special token
     */
    protected abstract void encodeText(String text, boolean first, boolean afterSpecial, IntList out);
}
