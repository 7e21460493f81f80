package org.jllm.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.TokenizationException;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {

    /** The 256 byte characters (ids 0..255), then merges' results, then a control and a user-defined token. */
    static Tokenizer toy(String... merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        MergeList pairs = MergeList.parse(merges);
        for (int r = 0; r < pairs.size(); r++) {
            if (!tokens.contains(pairs.left(r) + pairs.right(r))) {
                tokens.add(pairs.left(r) + pairs.right(r));
            }
        }
        tokens.add("<|end|>");
        tokens.add("<tool>");
        TokenType[] types = new TokenType[tokens.size()];
        Arrays.fill(types, TokenType.NORMAL);
        types[tokens.size() - 2] = TokenType.CONTROL;
        types[tokens.size() - 1] = TokenType.USER_DEFINED;
        Vocabulary v = new Vocabulary(tokens.toArray(String[]::new), new float[tokens.size()], types, -1,
                tokens.size() - 2, -1, false, false, false);
        return new BpeTokenizer(v, pairs, PreTokenizer.llamaCpp("gpt-2"), false, SpecialTokens.of(v,
                java.util.Set.of()));
    }

    @Test
    void mergesGoByRankThenLeftmost() {
        // "aaa": the pair (a,a) occurs twice with the same rank; the leftmost merges first, leaving "aa" + "a".
        Tokenizer tok = toy("a a");
        int aa = tok.vocabulary().find("aa").orElseThrow();
        assertArrayEquals(new int[] {aa, 'a'}, tok.encode("aaa", false)); // byte b's token id is b
        // Lower rank first: with "b c" ranked before "a b", "abc" becomes a + bc, not ab + c.
        Tokenizer ranked = toy("b c", "a b");
        int bc = ranked.vocabulary().find("bc").orElseThrow();
        assertArrayEquals(new int[] {'a', bc}, ranked.encode("abc", false));
    }

    @Test
    void roundTripsAnyTextAndEveryByte() {
        Tokenizer tok = toy("Ġ t", "h e", "Ġt he");
        String text = "the \u00e9t\u00e9 \u4e2d\u6587 \uD83D\uDE00 \t\r\n\u0000 end";
        assertEquals(text, tok.decode(tok.encode(text, false)));
        int the = tok.vocabulary().find("Ġthe").orElseThrow();
        assertTrue(Arrays.stream(tok.encode("a the", false)).anyMatch(id -> id == the));
    }

    @Test
    void specialTokensAreTextUnlessParsedButUserDefinedOnesAlwaysMatch() {
        Tokenizer tok = toy();
        int end = tok.vocabulary().size() - 2;
        int tool = tok.vocabulary().size() - 1;
        assertArrayEquals(new int[] {'x', end}, tok.encode("x<|end|>", false, true));
        assertEquals(8, tok.encode("x<|end|>", false, false).length, "one token per byte");
        assertArrayEquals(new int[] {'x', tool, 'y'}, tok.encode("x<tool>y", false, false));
        assertEquals(0, tok.pieceBytes(end).length, "control tokens print nothing");
        assertArrayEquals("<tool>".getBytes(StandardCharsets.UTF_8), tok.pieceBytes(tool));
    }

    @Test
    void invalidInputIsHandledAsDocumented() {
        Tokenizer tok = toy();
        // Unpaired surrogates in a String are read as U+FFFD.
        assertArrayEquals(tok.encode("a\uFFFDb", false), tok.encode("a\uD800b", false));
        assertArrayEquals(tok.encode("\uFFFD", false), tok.encode("\uDC00", false));
        // Invalid UTF-8 bytes are rejected with their offset.
        TokenizationException e = assertThrows(TokenizationException.class,
                () -> tok.encodeUtf8(new byte[] {'o', 'k', (byte) 0xC3, '(', 'x'}, false, false));
        assertTrue(e.getMessage().contains("byte offset 2"), e.getMessage());
        assertThrows(TokenizationException.class, () -> tok.encodeUtf8(new byte[] {(byte) 0xED, (byte) 0xA0,
                (byte) 0x80}, false, false)); // an encoded surrogate
        assertThrows(TokenizationException.class, () -> tok.encodeUtf8(new byte[] {(byte) 0xE4, (byte) 0xB8},
                false, false)); // truncated
        assertArrayEquals(tok.encode("é", false), tok.encodeUtf8("é".getBytes(StandardCharsets.UTF_8), false, false));
    }

    @Test
    void longInputsStayLinear() {
        // One 200k-character word of one repeated letter: the heap-based merge stays O(n log n).
        Tokenizer tok = toy("a a", "aa aa", "aaaa aaaa");
        String text = "a".repeat(200_000);
        int[] ids = tok.encode(text, false);
        assertEquals(200_000 / 8, ids.length);
        assertEquals(text, tok.decode(ids));
    }

    @Test
    void unknownPreTokenizerIsRejected() {
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class,
                () -> PreTokenizer.llamaCpp("no-such-pre"));
        assertTrue(e.getMessage().contains("no-such-pre"), e.getMessage());
    }
}
