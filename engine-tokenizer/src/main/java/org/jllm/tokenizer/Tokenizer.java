package org.jllm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Text to token ids and back. Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    Vocabulary vocabulary();

    /**
     * Token ids of {@code text}, with the beginning-of-sequence token first when {@code addSpecial} is true and the
     * vocabulary asks for it (and an end-of-sequence token last when it asks for that). Control-token text inside
     * {@code text} (e.g. {@code <|im_start|>}) is tokenized as plain text; user-defined tokens are always matched.
     *
     * @throws TokenizationException when the vocabulary cannot represent part of the text
     */
    default int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, false);
    }

    /**
     * As {@link #encode(String, boolean)}, and with {@code parseSpecial} control-token text in {@code text} becomes
     * that token (longest match first), as llama.cpp's {@code parse_special}. A Java string's unpaired surrogates
     * are read as U+FFFD.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * As {@link #encode(String, boolean, boolean)} for text given as UTF-8 bytes, which must be valid UTF-8.
     *
     * @throws TokenizationException naming the byte offset of the first invalid sequence
     */
    default int[] encodeUtf8(byte[] utf8, boolean addSpecial, boolean parseSpecial) {
        return encode(Utf8.decodeStrict(utf8), addSpecial, parseSpecial);
    }

    /**
     * The bytes token {@code id} stands for in generated text: control tokens give none, byte tokens give one byte.
     * A UTF-8 character may be split across tokens, so concatenate bytes (or use {@link StreamingDecoder}) before
     * making a String.
     */
    byte[] pieceBytes(int id);

    /** Text of a whole sequence: the concatenated pieces, decoded as UTF-8 (malformed bytes become U+FFFD). */
    default String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(pieceBytes(id));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A decoder for one stream of generated tokens that only emits whole UTF-8 characters. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** Whether generation should end at {@code id} (end-of-sequence or another end-of-generation token). */
    default boolean isEndOfGeneration(int id) {
        return id == vocabulary().eosId();
    }
}
