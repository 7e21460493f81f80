package org.jllm.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.Utf8;
import org.jllm.tokenizer.bpe.ByteLevel;
import org.jllm.tokenizer.bpe.PreTokenizer;

/** A {@code tokenizer.json} pre-tokenizer: cuts each piece of text into smaller pieces (or rewrites it). */
interface PreTokenizerStep {

    /** @param first whether {@code pieces} is the start of the input (Metaspace's "first" prepend scheme) */
    List<String> apply(List<String> pieces, boolean first);

    PreTokenizerStep NONE = (pieces, first) -> pieces;

    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static PreTokenizerStep fromJson(JsonNode n) {
        if (n == null || n.isNull()) {
            return NONE;
        }
        String type = HfJson.text(n, "type", "pre_tokenizer");
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizerStep> steps = new ArrayList<>();
                for (JsonNode s : HfJson.array(n, "pretokenizers", "Sequence pre_tokenizer")) {
                    steps.add(fromJson(s));
                }
                yield (pieces, first) -> {
                    for (PreTokenizerStep s : steps) {
                        pieces = s.apply(pieces, first);
                    }
                    return pieces;
                };
            }
            case "ByteLevel" -> byteLevel(HfJson.bool(n, "add_prefix_space", true), HfJson.bool(n, "use_regex", true));
            case "Split" -> split(n);
            case "Digits" -> digits(HfJson.bool(n, "individual_digits", false));
            case "Metaspace" -> metaspace(n);
            default -> throw new UnsupportedTokenizerException("pre_tokenizer '" + type + "' is not supported "
                    + "(supported: Sequence, ByteLevel, Split, Digits, Metaspace)");
        };
    }

    /** GPT-2's regex split (when asked), then each piece's UTF-8 bytes as GPT-2's stand-in characters. */
    private static PreTokenizerStep byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer gpt2 = PreTokenizer.regex(GPT2_REGEX);
        return (pieces, first) -> {
            List<String> out = new ArrayList<>();
            for (String p : pieces) {
                String s = addPrefixSpace && !p.startsWith(" ") ? " " + p : p;
                for (String w : useRegex ? gpt2.words(s) : List.of(s)) {
                    byte[] utf8 = Utf8.bytes(w);
                    out.add(ByteLevel.encode(utf8, 0, utf8.length));
                }
            }
            return out;
        };
    }

    private static PreTokenizerStep split(JsonNode n) {
        String behavior = HfJson.text(n, "behavior", "Split pre_tokenizer");
        boolean invert = HfJson.bool(n, "invert", false);
        JsonNode pattern = n.get("pattern");
        // The Llama 3 and GPT-2 regexes have exact hand-written splitters; isolating their matches is all they do.
        if (behavior.equals("Isolated") && !invert && pattern != null && pattern.has("Regex")) {
            String regex = pattern.get("Regex").asText();
            if (regex.equals(PreTokenizer.LLAMA3_ORIGINAL) || regex.equals(GPT2_REGEX)) {
                PreTokenizer p = PreTokenizer.regex(regex);
                return (pieces, first) -> {
                    List<String> out = new ArrayList<>();
                    for (String s : pieces) {
                        out.addAll(p.words(s));
                    }
                    return out;
                };
            }
        }
        Pattern p = HfJson.pattern(pattern, "Split pre_tokenizer", true);
        return byMatches(p, behavior, invert);
    }

    private static PreTokenizerStep digits(boolean individual) {
        return byMatches(Pattern.compile(individual ? "\\p{N}" : "\\p{N}+"), "Isolated", false);
    }

    private static PreTokenizerStep metaspace(JsonNode n) {
        String replacement = HfJson.text(n, "replacement", "Metaspace pre_tokenizer");
        String scheme = n.has("prepend_scheme") ? HfJson.text(n, "prepend_scheme", "Metaspace pre_tokenizer")
                : HfJson.bool(n, "add_prefix_space", true) ? "always" : "never";
        boolean splitPieces = HfJson.bool(n, "split", true);
        PreTokenizerStep splitter = byMatches(Pattern.compile(Pattern.quote(replacement)), "MergedWithNext", false);
        return (pieces, first) -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                String s = pieces.get(i).replace(" ", replacement);
                boolean prepend = switch (scheme.toLowerCase(Locale.ROOT)) {
                    case "always" -> true;
                    case "first" -> first && i == 0;
                    case "never" -> false;
                    default -> throw new UnsupportedTokenizerException("Metaspace prepend_scheme '" + scheme
                            + "' is not one of always, first, never");
                };
                if (prepend && !s.startsWith(replacement)) {
                    s = replacement + s;
                }
                out.add(s);
            }
            return splitPieces ? splitter.apply(out, first) : out;
        };
    }

    /** Hugging Face's split behaviours over the matches of a regex. */
    private static PreTokenizerStep byMatches(Pattern p, String behavior, boolean invert) {
        if (!List.of("Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous").contains(behavior)) {
            throw new UnsupportedTokenizerException("Split behavior '" + behavior + "' is not one of Isolated, "
                    + "Removed, MergedWithPrevious, MergedWithNext, Contiguous");
        }
        return (pieces, first) -> {
            List<String> out = new ArrayList<>();
            for (String s : pieces) {
                splitOne(s, p, behavior, invert, out);
            }
            return out;
        };
    }

    private static void splitOne(String s, Pattern p, String behavior, boolean invert, List<String> out) {
        // Segments of s: [start, end, isMatch] covering it in order.
        List<int[]> segs = new ArrayList<>();
        Matcher m = p.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                segs.add(new int[] {last, m.start(), invert ? 1 : 0});
            }
            segs.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
            last = m.end();
        }
        if (last < s.length()) {
            segs.add(new int[] {last, s.length(), invert ? 1 : 0});
        }
        List<int[]> pieces = new ArrayList<>();
        for (int[] g : segs) {
            boolean match = g[2] == 1;
            switch (behavior) {
                case "Removed" -> {
                    if (!match) {
                        pieces.add(new int[] {g[0], g[1], 0});
                    }
                }
                case "MergedWithPrevious" -> {
                    if (match && !pieces.isEmpty() && pieces.getLast()[2] == 0) {
                        pieces.getLast()[1] = g[1];
                        pieces.getLast()[2] = 1;
                    } else {
                        pieces.add(new int[] {g[0], g[1], match ? 1 : 0});
                    }
                }
                case "MergedWithNext" -> {
                    if (!match && !pieces.isEmpty() && pieces.getLast()[2] == 1) {
                        pieces.getLast()[1] = g[1];
                        pieces.getLast()[2] = 0;
                    } else {
                        pieces.add(new int[] {g[0], g[1], match ? 1 : 0});
                    }
                }
                case "Contiguous" -> {
                    if (!pieces.isEmpty() && pieces.getLast()[2] == (match ? 1 : 0)) {
                        pieces.getLast()[1] = g[1];
                    } else {
                        pieces.add(new int[] {g[0], g[1], match ? 1 : 0});
                    }
                }
                default -> pieces.add(g); // Isolated
            }
        }
        for (int[] g : pieces) {
            out.add(s.substring(g[0], g[1]));
        }
    }
}
