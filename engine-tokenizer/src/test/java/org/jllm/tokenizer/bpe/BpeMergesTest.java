package org.jllm.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge table's symbols and ranks, read from merge texts without splitting them. */
class BpeMergesTest {

    @Test
    void mergesSplitAtTheFirstSpaceAfterTheFirstCharacter() {
        MergeList m = MergeList.parse(new String[] {"a b", "  x", "ab cd"});
        assertEquals(3, m.size());
        assertEquals("a", m.left(0));
        assertEquals("b", m.right(0));
        assertEquals(" ", m.left(1), "a space as the left symbol");
        assertEquals("x", m.right(1));
        assertEquals("ab", m.left(2));
        assertEquals("cd", m.right(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MergeList.parse(new String[] {"a b", "ab"}));
        assertEquals("merge 1 'ab' is not two symbols separated by a space", e.getMessage());
    }

    @Test
    void symbolsAreTokensThenMergeResultsAndRanksFollowTheList() {
        // "b" twice: the later id (3) is the symbol, as llama.cpp maps repeated texts.
        String[] tokens = {"a", "b", "ab", "b", "abab"};
        MergeList merges = MergeList.ofPairs(List.of(new String[] {"a", "b"}, new String[] {"ab", "ab"},
                new String[] {"b", "a"}, new String[] {"a b", "c"}, new String[] {"ba", "ab"}));
        BpeMerges t = new BpeMerges(tokens, merges);
        assertEquals(0, t.symbol("a"));
        assertEquals(3, t.symbol("b"));
        assertEquals(2, t.symbol("ab"));
        assertEquals(-1, t.symbol("abc"));
        assertEquals(0, t.rank(0, 3));
        assertEquals(-1, t.rank(0, 1), "id 1 is not the symbol of 'b'");
        assertEquals(1, t.rank(2, 2));
        // "ba" is no token: a merge result with an id after the vocabulary, which later merges can use.
        int ba = t.symbol("ba");
        assertEquals(5, ba);
        assertFalse(t.isToken(ba));
        assertEquals("ba", t.extraText(ba));
        assertTrue(t.isToken(4));
        assertEquals(2, t.rank(3, 0));
        assertEquals(4, t.rank(ba, 2), "a part that is an earlier merge's result");
        assertEquals(-1, t.rank(t.symbol("a b"), -1), "a pair whose part never occurs has no rank");
        int[] sym = {0, 3, 0, 3};
        int[] len = {1, 1, 1, 1};
        assertEquals(1, t.merge(sym, len, 4));
        assertEquals(4, sym[0], "ab + ab = abab");
        assertEquals(4, len[0]);
    }

    @Test
    void theSymbolTableGrowsWithMergeResults() {
        // 2 tokens and 60 merges each making a new text: the table doubles several times on the way.
        List<String[]> pairs = new java.util.ArrayList<>();
        String text = "a";
        for (int i = 0; i < 60; i++) {
            pairs.add(new String[] {text, i % 2 == 0 ? "b" : "a"});
            text = text + (i % 2 == 0 ? "b" : "a");
        }
        BpeMerges t = new BpeMerges(new String[] {"a", "b"}, MergeList.ofPairs(pairs));
        String expected = "a";
        for (int i = 0; i < 60; i++) {
            int left = t.symbol(expected);
            expected = expected + (i % 2 == 0 ? "b" : "a");
            assertEquals(2 + i, t.symbol(expected), expected);
            assertEquals(i, t.rank(left, t.symbol(i % 2 == 0 ? "b" : "a")));
            assertEquals(expected, t.extraText(2 + i));
        }
    }
}
