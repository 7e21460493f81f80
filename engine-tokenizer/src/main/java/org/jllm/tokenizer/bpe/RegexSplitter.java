package org.jllm.tokenizer.bpe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jllm.tokenizer.IntList;

/**
 * A pre-tokenizer regex of llama.cpp's, run the way llama.cpp runs it (b4748 {@code unicode_regex_split}): a regex
 * that uses {@code \p{L}}, {@code \p{N}} or {@code \p{P}} runs on the collapsed text (one stand-in char per code
 * point, see {@link PreText#collapsed}) with each category rewritten to its stand-in plus the matching ASCII
 * characters; any other regex runs on the text with non-ASCII whitespace replaced by U+000B. Each range is matched
 * on its own, as a C++ regex iterator over that range: lookaheads and {@code $} see only the range.
 */
final class RegexSplitter implements Splitter {
    private static final String LETTER = "\\x{D2}A-Za-z";
    private static final String NUMBER = "\\x{D1}0-9";
    private static final String PUNCTUATION = "\\x{D3}!-#%-*,-/:;?@\\[-\\]_\\{\\}";

    private final Pattern pattern;
    private final boolean collapsed;

    RegexSplitter(String llamaCppRegex) {
        this.collapsed = llamaCppRegex.contains("\\p{L}") || llamaCppRegex.contains("\\p{N}")
                || llamaCppRegex.contains("\\p{P}");
        this.pattern = Pattern.compile(translate(llamaCppRegex, collapsed));
    }

    /** ECMAScript regex to java.util.regex: categories to stand-ins (when collapsed), {@code $} to end of input. */
    static String translate(String regex, boolean collapse) {
        StringBuilder out = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                if (collapse && regex.startsWith("\\p{", i) && i + 4 < regex.length() && regex.charAt(i + 4) == '}') {
                    String set = switch (regex.charAt(i + 3)) {
                        case 'L' -> LETTER;
                        case 'N' -> NUMBER;
                        case 'P' -> PUNCTUATION;
                        default -> null;
                    };
                    if (set != null) {
                        out.append(inClass ? set : "[" + set + "]");
                        i += 4;
                        continue;
                    }
                }
                out.append(c).append(regex.charAt(++i));
                continue;
            }
            if (c == '[' && !inClass) {
                inClass = true;
            } else if (c == ']' && inClass) {
                inClass = false;
            } else if (c == '$' && !inClass) {
                out.append("\\z");
                continue;
            } else if (c == '&' && inClass) {
                out.append("\\&"); // '&&' is intersection in Java classes, a literal in ECMAScript
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public void split(PreText t, int from, int to, IntList out) {
        if (collapsed) {
            Matcher m = pattern.matcher(t.collapsed()).region(from, to);
            int last = from;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > last) {
                    out.add(m.start() - last);
                }
                out.add(m.end() - m.start());
                last = m.end();
            }
            if (to > last) {
                out.add(to - last);
            }
            return;
        }
        String wide = t.wide();
        Matcher m = pattern.matcher(wide).region(t.wideIndex(from), t.wideIndex(to));
        int last = from;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            int start = t.cpIndexOfWide(m.start());
            int end = t.cpIndexOfWide(m.end());
            if (start > last) {
                out.add(start - last);
            }
            out.add(end - start);
            last = end;
        }
        if (to > last) {
            out.add(to - last);
        }
    }
}
