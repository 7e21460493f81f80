package org.jllm.tokenizer.bpe;

import java.util.List;
import java.util.Locale;
import org.jllm.tokenizer.IntList;
import org.jllm.tokenizer.UnsupportedTokenizerException;

/**
 * Splits text into the words BPE merges within: a sequence of splitters, each cutting every piece the previous one
 * left. The llama.cpp pre-tokenizers are known by their GGUF name ({@code tokenizer.ggml.pre}). Immutable.
 */
public final class PreTokenizer {
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}"
            + "\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /**
     * deepseek-llm's letter class: the cased letters (Unicode LC) llama.cpp lists literally, as code point ranges
     * here so no editor or normalizer can change them (several are NFC singletons, e.g. U+1F7D, U+2126, U+212A).
     */
    private static final int[] DEEPSEEK_LLM_CASED = {
        'A', 'Z', 'a', 'z', 0xB5, 0xB5, 0xC0, 0xD6, 0xD8, 0xF6, 0xF8, 0x1BA, 0x1BC, 0x1BF, 0x1C4, 0x293,
        0x295, 0x2AF, 0x370, 0x373, 0x376, 0x377, 0x37B, 0x37D, 0x37F, 0x37F, 0x386, 0x386, 0x388, 0x38A,
        0x38C, 0x38C, 0x38E, 0x3A1, 0x3A3, 0x3F5, 0x3F7, 0x481, 0x48A, 0x52F, 0x531, 0x556, 0x10A0, 0x10C5,
        0x13A0, 0x13F5, 0x13F8, 0x13FD, 0x1C90, 0x1CBA, 0x1CBD, 0x1CBF, 0x1D00, 0x1D2B, 0x1D6B, 0x1D77,
        0x1D79, 0x1D9A, 0x1E00, 0x1F15, 0x1F18, 0x1F1D, 0x1F20, 0x1F45, 0x1F48, 0x1F4D, 0x1F50, 0x1F57,
        0x1F59, 0x1F59, 0x1F5B, 0x1F5B, 0x1F5D, 0x1F5D, 0x1F5F, 0x1F7D, 0x1F80, 0x1FB4, 0x1FB6, 0x1FBC,
        0x1FBE, 0x1FBE, 0x1FC2, 0x1FC4, 0x1FC6, 0x1FCC, 0x1FD0, 0x1FD3, 0x1FD6, 0x1FDB, 0x1FE0, 0x1FEC,
        0x1FF2, 0x1FF4, 0x1FF6, 0x1FFC, 0x2102, 0x2102, 0x2107, 0x2107, 0x210A, 0x2113, 0x2115, 0x2115,
        0x2119, 0x211D, 0x2124, 0x2124, 0x2126, 0x2126, 0x2128, 0x2128, 0x212A, 0x212D, 0x212F, 0x2134,
        0x2139, 0x2139, 0x213C, 0x213F, 0x2145, 0x2149, 0x214E, 0x214E, 0x2183, 0x2184, 0x2C00, 0x2C7B,
        0x2C7E, 0x2CE4, 0x2CEB, 0x2CEE, 0x2CF2, 0x2CF3, 0xA640, 0xA66D, 0xA680, 0xA69B, 0xA722, 0xA76F,
        0xA771, 0xA787, 0xA78B, 0xA78E, 0xAB70, 0xABBF, 0xFB00, 0xFB06, 0xFB13, 0xFB17, 0xFF21, 0xFF3A,
        0xFF41, 0xFF5A, 0x10400, 0x1044F, 0x104B0, 0x104D3, 0x104D8, 0x104FB, 0x10C80, 0x10CB2, 0x10CC0,
        0x10CF2, 0x118A0, 0x118DF, 0x1E900, 0x1E943,
    };
    private static final String DEEPSEEK_LLM_LETTERS = "\\s?[" + ranges(DEEPSEEK_LLM_CASED) + "]+";
    /** deepseek-llm's punctuation: ASCII, fullwidth forms, quotation marks U+2018-U+201F, U+3000-U+3002. */
    private static final String DEEPSEEK_LLM_PUNCTUATION = "\\s?[" + ranges(new int[] {
        '!', '/', ':', '~', 0xFF01, 0xFF0F, 0xFF1A, 0xFF5E, 0x2018, 0x201F, 0x3000, 0x3002}) + "]+";
    /** CJK ideographs U+4E00-U+9FA5, U+0800-U+4E00 and Hangul U+AC00-U+D7FF, as deepseek's regexes list them. */
    private static final String CJK = "[" + ranges(new int[] {0x4E00, 0x9FA5, 0x0800, 0x4E00, 0xAC00, 0xD7FF})
            + "]+";

    private final String name;
    private final List<Splitter> splitters;

    private PreTokenizer(String name, List<Splitter> splitters) {
        this.name = name;
        this.splitters = splitters;
    }

    /**
     * The pre-tokenizer llama.cpp (b4748) uses for {@code tokenizer.ggml.pre} = {@code pre}; an absent value is
     * "default".
     *
     * @throws UnsupportedTokenizerException for a name llama.cpp does not know or jllm does not implement
     */
    public static PreTokenizer llamaCpp(String pre) {
        String p = pre == null || pre.isEmpty() ? "default" : pre.toLowerCase(Locale.ROOT);
        List<Splitter> s = switch (p) {
            case "default" -> List.of(new RegexSplitter("[\\p{P}\\$\\+<=>\\^~\\|]+"), new Gpt2Splitter(),
                    new RegexSplitter("\\p{N}+"), new RegexSplitter("[0-9][0-9][0-9]"));
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe" -> List.of(new Llama3Splitter(3));
            case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez" -> List.of(new Llama3Splitter(1));
            case "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais" -> List.of(new Gpt2Splitter());
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    List.of(new RegexSplitter("\\p{N}"), new Gpt2Splitter());
            case "falcon" -> List.of(new RegexSplitter("[\\p{P}\\$\\+<=>\\^~\\|`]+"), new Gpt2Splitter(),
                    new RegexSplitter("[0-9][0-9][0-9]"));
            case "deepseek-llm" -> List.of(new RegexSplitter("[\r\n]"), new RegexSplitter(DEEPSEEK_LLM_LETTERS),
                    new RegexSplitter(DEEPSEEK_LLM_PUNCTUATION), new RegexSplitter("\\s+$"),
                    new RegexSplitter(CJK), new RegexSplitter("\\p{N}+"));
            case "deepseek-coder" -> List.of(new RegexSplitter("[\r\n]"), new RegexSplitter("\\s?\\p{L}+"),
                    new RegexSplitter("\\s?\\p{P}+"), new RegexSplitter(CJK), new RegexSplitter("\\p{N}"));
            default -> throw new UnsupportedTokenizerException("pre-tokenizer '" + pre + "' is not supported "
                    + "(supported: default, gpt-2, llama3/llama-bpe, qwen2, starcoder, refact, mpt, falcon, "
                    + "deepseek-llm, deepseek-coder and their llama.cpp aliases)");
        };
        return new PreTokenizer(p, s);
    }

    /** Whether llama.cpp emits a word that is itself a token without merging it (Llama 3's tokenizer does). */
    public static boolean llamaCppIgnoresMerges(String pre) {
        return pre != null && switch (pre.toLowerCase(Locale.ROOT)) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> true;
            default -> false;
        };
    }

    /** Whether llama.cpp adds BOS by default (when the file does not say) for this pre-tokenizer. */
    public static boolean llamaCppAddsBos(String pre) {
        return llamaCppIgnoresMerges(pre);
    }

    /** A pre-tokenizer of one regex in llama.cpp's dialect (ECMAScript with {@code \p{L}/\p{N}/\p{P}}). */
    public static PreTokenizer regex(String regex) {
        Splitter s = regex.equals(Gpt2Splitter.PATTERN) ? new Gpt2Splitter()
                : regex.equals(LLAMA3) || regex.equals(LLAMA3_ORIGINAL) ? new Llama3Splitter(3)
                : new RegexSplitter(regex);
        return new PreTokenizer("regex", List.of(s));
    }

    /** Llama 3's regex as its tokenizer files spell it. */
    public static final String LLAMA3_ORIGINAL = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** A regex class body of code point ranges given as start/end pairs, each as a {@code \\x{...}} escape. */
    private static String ranges(int[] pairs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append(String.format("\\x{%X}", pairs[i]));
            if (pairs[i + 1] != pairs[i]) {
                sb.append(String.format("-\\x{%X}", pairs[i + 1]));
            }
        }
        return sb.toString();
    }

    public String name() {
        return name;
    }

    /** The words of {@code text}, in order. */
    public List<String> words(String text) {
        PreText t = new PreText(text);
        IntList lengths = split(t);
        List<String> out = new java.util.ArrayList<>(lengths.size());
        int pos = 0;
        for (int i = 0; i < lengths.size(); i++) {
            int len = lengths.get(i);
            out.add(new String(t.cps, pos, len));
            pos += len;
        }
        return out;
    }

    /** Lengths in code points of the words of {@code text}, in order; they add up to its code point count. */
    IntList split(PreText text) {
        IntList pieces = new IntList();
        if (text.length == 0) {
            return pieces;
        }
        pieces.add(text.length);
        for (Splitter s : splitters) {
            IntList next = new IntList(pieces.size() * 2);
            int pos = 0;
            for (int i = 0; i < pieces.size(); i++) {
                int len = pieces.get(i);
                s.split(text, pos, pos + len, next);
                pos += len;
            }
            pieces = next;
        }
        return pieces;
    }
}
