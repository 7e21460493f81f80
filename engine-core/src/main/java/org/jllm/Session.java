package org.jllm;

import java.util.Arrays;
import org.jllm.model.ForwardState;
import org.jllm.model.LanguageModel;
import org.jllm.sampling.GenerationParams;
import org.jllm.sampling.Sampler;
import org.jllm.tokenizer.StreamingDecoder;
import org.jllm.tokenizer.Tokenizer;

/**
 * One conversation with a model: its K/V cache, its position and its buffers. Not thread-safe; use one session per
 * thread (any number of sessions can share one {@link Model}).
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final LanguageModel lm;
    private final ForwardState state;
    private int position;
    private float[] lastLogits;

    Session(Model model, int contextLength, KvCacheType kvType) {
        this.model = model;
        this.lm = model.languageModel();
        this.state = lm.newState(contextLength, kvType, model.pool());
    }

    public Model model() {
        return model;
    }

    /** Tokens in the cache so far: the position the next token is read at. */
    public int position() {
        return position;
    }

    public int contextLength() {
        return state.contextLength();
    }

    /** Forgets everything read so far. */
    public void reset() {
        position = 0;
        lastLogits = null;
    }

    /**
     * Reads one token at the current position and returns the logits for the next one. The array belongs to the
     * session and is overwritten by the next call.
     */
    public float[] evaluate(int token) {
        if (position >= state.contextLength()) {
            throw new ContextLengthExceededException("the context of " + state.contextLength()
                    + " tokens is full");
        }
        lastLogits = lm.forward(state, token, position);
        position++;
        return lastLogits;
    }

    /**
     * Reads {@code tokens} in order and returns the logits after the last one (see {@link #evaluate(int)}). Several
     * tokens go through the model in blocks (each weight matrix read once per block), which is much faster than
     * one at a time and equal to it up to float rounding; a block of a few tokens takes matrix-vector products, a
     * few rows at a time for all its tokens, where tiles would cost more.
     */
    public float[] evaluate(int[] tokens) {
        return evaluate(tokens, null);
    }

    /**
     * Reads {@code tokens} in blocks like {@link #evaluate(int[])}; {@code eachPosition}, when not null, receives the
     * logits after every token (index 0 = after {@code tokens[0]}).
     */
    public float[] evaluate(int[] tokens, LanguageModel.PositionLogits eachPosition) {
        requireRoom(tokens.length, 0);
        if (tokens.length == 0) {
            return lastLogits;
        }
        lastLogits = lm.forward(state, tokens, 0, tokens.length, position, eachPosition);
        position += tokens.length;
        return lastLogits;
    }

    /** Tokenizes {@code prompt} (with BOS when the model asks for it) and generates from it. */
    public GenerationResult generate(String prompt, GenerationParams params, TokenListener listener) {
        return generate(model.tokenizer().encode(prompt, position == 0), params, listener);
    }

    /**
     * Reads {@code promptIds} and then generates up to {@code params.maxTokens()} tokens, handing each to
     * {@code listener}.
     *
     * @throws ContextLengthExceededException before reading anything when the prompt and the tokens to generate do
     *                                        not fit in the remaining context
     */
    public GenerationResult generate(int[] promptIds, GenerationParams params, TokenListener listener) {
        if (promptIds.length == 0 && lastLogits == null) {
            throw new IllegalArgumentException("an empty prompt on an empty session: nothing to continue from");
        }
        // The last generated token is returned, not read, so it needs no cache slot.
        requireRoom(promptIds.length, params.maxTokens() - 1);
        Tokenizer tokenizer = model.tokenizer();
        long t0 = System.nanoTime();
        float[] logits = evaluate(promptIds);
        long t1 = System.nanoTime();

        Sampler sampler = new Sampler(params);
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        int[] generated = new int[params.maxTokens()];
        int count = 0;
        GenerationResult.StopReason reason = GenerationResult.StopReason.MAX_TOKENS;
        while (count < params.maxTokens()) {
            int next = sampler.sample(logits);
            generated[count++] = next;
            if (params.stopAtEndOfGeneration() && tokenizer.isEndOfGeneration(next)) {
                reason = GenerationResult.StopReason.END_OF_GENERATION;
                break;
            }
            String piece = decoder.next(next);
            text.append(piece);
            if (!listener.onToken(next, piece)) {
                reason = GenerationResult.StopReason.LISTENER;
                break;
            }
            if (count < params.maxTokens()) {
                logits = evaluate(next);
            }
        }
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            listener.onToken(-1, rest);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(promptIds.length, Arrays.copyOf(generated, count), text.toString(), reason,
                t1 - t0, t2 - t1);
    }

    private void requireRoom(int prompt, int extra) {
        long needed = (long) position + prompt + Math.max(0, extra);
        if (needed > state.contextLength()) {
            throw new ContextLengthExceededException("a prompt of " + prompt + " tokens"
                    + (extra > 0 ? " plus " + (extra + 1) + " tokens to generate" : "")
                    + " needs " + needed + " positions, but the context holds " + state.contextLength()
                    + (position > 0 ? " (" + position + " already used)" : "")
                    + ": shorten the prompt, generate fewer tokens or open the session with a longer context");
        }
    }

    /** Releases the session's buffers (they are on the heap, so this only drops references). */
    @Override
    public void close() {
        lastLogits = null;
    }
}
