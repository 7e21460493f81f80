package org.jllm.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jllm.tokenizer.IntList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hand-written splitters cut text exactly where their regexes do: against java.util.regex with Unicode classes
 * (the semantics the models' tokenizer.json regexes have), and against llama.cpp's collapsed-category regex path.
 */
class SplitterEquivalenceTest {
    /** Characters of every class the patterns distinguish (no Kelvin sign or long s: (?i) folding differs there). */
    private static final int[] POOL = {
        'a', 'b', 'S', 's', 't', 'T', 'r', 'e', 'v', 'm', 'l', 'L', 'd', 'D', 'x', '0', '1', '7', '\'', '\'', ' ', ' ',
        ' ', '\t', '\n', '\r', '.', ',', '!', '-', '$', '+', '<', '`', '|', '~', '_', '(', 0xA0, 0x3000, 0x85, 0x2028,
        0x0B, 0x0C, 0x00, 0x1F, 0xE9, 0x4E2D, 0x416, 0x663, 0xB2, 0x216B, 0x1F600, 0x200D, 0x301, 0xA9, 0xFFFD,
        0x10FFFF, 0xE000, 0x2019, 0x1D7D8,
    };

    @ParameterizedTest
    @CsvSource({"llama3, 1", "qwen2, 2", "gpt2, 3"})
    void handWrittenSplittersMatchTheirRegexes(String which, long seed) {
        MatchSplitter hand = switch (which) {
            case "llama3" -> new Llama3Splitter(3);
            case "qwen2" -> new Llama3Splitter(1);
            default -> new Gpt2Splitter();
        };
        String regex = switch (which) {
            case "llama3" -> PreTokenizer.LLAMA3_ORIGINAL;
            case "qwen2" -> PreTokenizer.LLAMA3_ORIGINAL.replace("\\p{N}{1,3}", "\\p{N}");
            default -> Gpt2Splitter.PATTERN;
        };
        Pattern java = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        RegexSplitter llamaCpp = new RegexSplitter(regex.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)",
                "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"));
        Random random = new Random(seed);
        for (int round = 0; round < 20000; round++) {
            String text = randomText(random, 1 + random.nextInt(24));
            PreText t = new PreText(text);
            List<String> expected = javaPieces(java, text);
            assertEquals(expected, pieces(hand, t), () -> which + " vs java.util.regex on " + escape(text));
            assertEquals(expected, pieces(llamaCpp, t), () -> which + " vs collapsed regex on " + escape(text));
        }
    }

    private static String randomText(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(POOL[random.nextInt(POOL.length)]);
        }
        return sb.toString();
    }

    /** Matches and the text between them, as the splitters report pieces. */
    private static List<String> javaPieces(Pattern p, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(s.substring(last, m.start()));
            }
            out.add(m.group());
            last = m.end();
        }
        if (last < s.length()) {
            out.add(s.substring(last));
        }
        return out;
    }

    private static List<String> pieces(Splitter s, PreText t) {
        IntList lengths = new IntList();
        s.split(t, 0, t.length, lengths);
        List<String> out = new ArrayList<>();
        int pos = 0;
        for (int i = 0; i < lengths.size(); i++) {
            out.add(new String(t.cps, pos, lengths.get(i)));
            pos += lengths.get(i);
        }
        return out;
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c)
                : String.format("\\u{%X}", c)));
        return sb.toString();
    }
}
