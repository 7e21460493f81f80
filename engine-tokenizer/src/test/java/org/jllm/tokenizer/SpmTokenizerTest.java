package org.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.jllm.tokenizer.spm.SpmTokenizer;
import org.junit.jupiter.api.Test;

class SpmTokenizerTest {

    /** A toy vocabulary: controls, the 256 byte tokens, a few characters and merges with scores. */
    static Vocabulary toy(boolean withBytes) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<TokenType> types = new ArrayList<>(List.of(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL));
        if (withBytes) {
            for (int b = 0; b < 256; b++) {
                tokens.add(String.format("<0x%02X>", b));
                types.add(TokenType.BYTE);
            }
        }
        String[] pieces = {"\u2581", "a", "b", "c", "ab", "\u2581a", "\u2581ab", "bc", "abc"};
        float[] pieceScores = {-1, -2, -3, -4, -5, -6, -7, -0.5f, -20};
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            scores.add(0f);
        }
        for (int i = 0; i < pieces.length; i++) {
            tokens.add(pieces[i]);
            types.add(TokenType.NORMAL);
            scores.add(pieceScores[i]);
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Vocabulary(tokens.toArray(String[]::new), s, types.toArray(TokenType[]::new), 1, 2, 0,
                true, false, true);
    }

    static int id(Vocabulary v, String token) {
        return v.find(token).orElseThrow();
    }

    @Test
    void mergesHighestScoreFirst() {
        Vocabulary v = toy(true);
        Tokenizer t = new SpmTokenizer(v);
        // " abc" -> ▁ a b c; best bigram is "bc" (-0.5), then "▁a" (-6); "▁abc" is no token.
        assertArrayEquals(new int[] {1, id(v, "\u2581a"), id(v, "bc")}, t.encode("abc", true));
        assertArrayEquals(new int[] {id(v, "\u2581a"), id(v, "bc")}, t.encode("abc", false));
        assertArrayEquals(new int[0], t.encode("", false));
    }

    @Test
    void unknownCharactersFallBackToByteTokens() {
        Vocabulary v = toy(true);
        Tokenizer t = new SpmTokenizer(v);
        int[] ids = t.encode("é", false); // ▁ then the two UTF-8 bytes of é
        assertArrayEquals(new int[] {id(v, "\u2581"), id(v, "<0xC3>"), id(v, "<0xA9>")}, ids);
        assertEquals(" é", t.decode(ids));
    }

    @Test
    void charactersWithoutAnyTokenAreAClearError() {
        Tokenizer t = new SpmTokenizer(toy(false));
        TokenizationException e = assertThrows(TokenizationException.class, () -> t.encode("aé", false));
        assertEquals(true, e.getMessage().contains("U+00E9"), e.getMessage());
    }

    @Test
    void streamingDecoderNeverSplitsACharacter() {
        Vocabulary v = toy(true);
        Tokenizer t = new SpmTokenizer(v);
        StreamingDecoder d = t.streamingDecoder();
        // "€" is E2 82 AC: nothing comes out until the third byte arrives.
        assertEquals("", d.next(id(v, "<0xE2>")));
        assertEquals("", d.next(id(v, "<0x82>")));
        assertEquals("€", d.next(id(v, "<0xAC>")));
        assertEquals(" a", d.next(id(v, "\u2581a")));
        assertEquals("", d.next(id(v, "<s>")), "control tokens have no text");
        // An incomplete character at the end of the stream is flushed as U+FFFD.
        assertEquals("", d.next(id(v, "<0xE2>")));
        assertEquals("\uFFFD", d.flush());
        // A byte that can never start a character does not hold the stream back.
        assertEquals("\uFFFDb", d.next(id(v, "<0x80>")) + d.next(id(v, "b")));
    }

    @Test
    void controlAndUnknownPieces() {
        Vocabulary v = toy(true);
        Tokenizer t = new SpmTokenizer(v);
        assertArrayEquals(new byte[0], t.pieceBytes(1));
        assertEquals("\u2585", new String(t.pieceBytes(0), java.nio.charset.StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> t.pieceBytes(v.size()));
    }
}
