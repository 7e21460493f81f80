package org.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecialTokensTest {

    private static List<String> pieces(SpecialTokens s, String text, boolean parseSpecial) {
        List<String> out = new ArrayList<>();
        s.split(text, parseSpecial, new SpecialTokens.Sink() {
            @Override
            public void text(String t) {
                out.add("'" + t + "'");
            }

            @Override
            public void token(int id) {
                out.add("#" + id);
            }
        });
        return out;
    }

    @Test
    void longestMatchWinsAndControlTokensNeedParsing() {
        SpecialTokens s = new SpecialTokens(List.of(
                new SpecialTokens.Token(1, "<|x|>", true, false, false),
                new SpecialTokens.Token(2, "<|x|>y", true, false, false),
                new SpecialTokens.Token(3, "<u>", false, false, false)));
        assertEquals(List.of("'a'", "#2", "'b'", "#1"), pieces(s, "a<|x|>yb<|x|>", true));
        assertEquals(List.of("'a<|x|>yb'", "#3", "'c'"), pieces(s, "a<|x|>yb<u>c", false));
        assertEquals(List.of(), pieces(s, "", true));
    }

    @Test
    void stripFlagsSwallowAsciiWhitespaceBesideTheToken() {
        SpecialTokens s = new SpecialTokens(List.of(new SpecialTokens.Token(7, "<|end|>", true, true, true)));
        assertEquals(List.of("'a'", "#7", "'b '"), pieces(s, "a \t<|end|>\n b ", true));
    }
}
