package org.jllm.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Finds special-token text inside input text, as llama.cpp's tokenizer does before any model-specific step: tokens
 * are tried longest text first; each occurrence splits the remaining raw text around the token. Control and unknown
 * tokens are only matched when the caller asks to parse special tokens; user-defined tokens always are. A token may
 * strip the whitespace to its left or right. Immutable.
 */
public final class SpecialTokens {

    /**
     * @param onlyWhenParsingSpecial matched only when special-token parsing is on (control tokens)
     * @param lstrip / rstrip        the token swallows ASCII whitespace on that side
     */
    public record Token(int id, String text, boolean onlyWhenParsingSpecial, boolean lstrip, boolean rstrip) {
    }

    /** Receives the pieces of a text in order. */
    public interface Sink {
        void text(String text);

        void token(int id);
    }

    private static final SpecialTokens NONE = new SpecialTokens(List.of());

    private final List<Token> tokens;
    private final boolean anyAlways;

    public SpecialTokens(List<Token> tokens) {
        List<Token> sorted = new ArrayList<>();
        for (Token t : tokens) {
            if (!t.text().isEmpty()) {
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingInt((Token t) -> -t.text().length()).thenComparingInt(Token::id));
        this.tokens = List.copyOf(sorted);
        this.anyAlways = sorted.stream().anyMatch(t -> !t.onlyWhenParsingSpecial());
    }

    public static SpecialTokens none() {
        return NONE;
    }

    /**
     * The special tokens of a GGUF-style vocabulary: control and unknown tokens (matched on request) and
     * user-defined tokens (always), with the given ids stripping whitespace to their right.
     */
    public static SpecialTokens of(Vocabulary v, Set<Integer> rstrip) {
        List<Token> list = new ArrayList<>();
        for (int id = 0; id < v.size(); id++) {
            TokenType type = v.type(id);
            if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED) {
                list.add(new Token(id, v.token(id), type != TokenType.USER_DEFINED, false, rstrip.contains(id)));
            }
        }
        return new SpecialTokens(list);
    }

    public List<Token> tokens() {
        return tokens;
    }

    /** Feeds {@code text} to {@code sink} as raw-text pieces and special-token ids, in order. */
    public void split(String text, boolean parseSpecial, Sink sink) {
        if (tokens.isEmpty() || (!parseSpecial && !anyAlways)) {
            if (!text.isEmpty()) {
                sink.text(text);
            }
            return;
        }
        // Fragments: a String is raw text still to be searched, an Integer a special token already found.
        List<Object> fragments = new ArrayList<>();
        fragments.add(text);
        for (Token t : tokens) {
            if (t.onlyWhenParsingSpecial() && !parseSpecial) {
                continue;
            }
            List<Object> next = new ArrayList<>(fragments.size());
            for (Object f : fragments) {
                if (f instanceof String s) {
                    splitOn(s, t, next);
                } else {
                    next.add(f);
                }
            }
            fragments = next;
        }
        for (Object f : fragments) {
            if (f instanceof String s) {
                sink.text(s);
            } else {
                sink.token((Integer) f);
            }
        }
    }

    private static void splitOn(String s, Token t, List<Object> out) {
        int from = 0;
        int end = s.length();
        while (from < end) {
            int at = s.indexOf(t.text(), from);
            if (at < 0) {
                break;
            }
            int leftEnd = at;
            if (t.lstrip()) {
                while (leftEnd > from && isSpace(s.charAt(leftEnd - 1))) {
                    leftEnd--;
                }
            }
            if (leftEnd > from) {
                out.add(s.substring(from, leftEnd));
            }
            out.add(t.id());
            from = at + t.text().length();
            if (t.rstrip()) {
                while (from < end && isSpace(s.charAt(from))) {
                    from++;
                }
            }
        }
        if (from < end) {
            out.add(s.substring(from));
        }
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for lstrip/rstrip. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
