package org.jllm.tokenizer.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jllm.tokenizer.SpecialTokens;
import org.jllm.tokenizer.TokenType;
import org.jllm.tokenizer.Tokenizer;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.Vocabulary;
import org.jllm.tokenizer.bpe.BpeTokenizer;
import org.jllm.tokenizer.bpe.MergeList;
import org.jllm.tokenizer.bpe.PreTokenizer;

/**
 * Loads tokenizers from Hugging Face files: {@code tokenizer.json} (+ {@code tokenizer_config.json} beside it), or
 * the GPT-2 pair {@code encoder.json} + {@code vocab.bpe} (also named {@code vocab.json} + {@code merges.txt}).
 */
public final class HfTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest vocabulary accepted, to keep hostile files from asking for absurd arrays. */
    private static final int MAX_TOKENS = 1 << 22;

    private HfTokenizers() {
    }

    /**
     * A tokenizer from {@code path}: a {@code tokenizer.json} file, or a folder holding one, or holding a GPT-2
     * pair. The GPT-2 pair does not say which pre-tokenizer its model used: {@code pre} names it as
     * {@code tokenizer.ggml.pre} does (e.g. "gpt-2", "llama-bpe", "qwen2"); it is ignored for tokenizer.json.
     */
    public static Tokenizer load(Path path, String pre) throws IOException {
        if (Files.isRegularFile(path)) {
            return fromTokenizerJson(path);
        }
        if (Files.isRegularFile(path.resolve("tokenizer.json"))) {
            return fromTokenizerJson(path.resolve("tokenizer.json"));
        }
        for (String[] pair : new String[][] {{"encoder.json", "vocab.bpe"}, {"vocab.json", "merges.txt"}}) {
            if (Files.isRegularFile(path.resolve(pair[0])) && Files.isRegularFile(path.resolve(pair[1]))) {
                return fromGpt2Files(path.resolve(pair[0]), path.resolve(pair[1]), pre);
            }
        }
        throw new TokenizerFileException(path + ": no tokenizer.json, encoder.json + vocab.bpe, or vocab.json + "
                + "merges.txt here");
    }

    /** A byte-level BPE tokenizer from a token-to-id JSON map and a merges file, split by llama.cpp's {@code pre}. */
    public static BpeTokenizer fromGpt2Files(Path vocabJson, Path mergesFile, String pre) throws IOException {
        JsonNode map = readJson(vocabJson);
        if (!map.isObject()) {
            throw new TokenizerFileException(vocabJson + ": expected a JSON object mapping token text to id");
        }
        String[] tokens = denseTokens(vocabJson, map.fields(), map.size(), List.of());
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(mergesFile, StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                lines.add(line);
            }
        }
        MergeList merges;
        PreTokenizer preTokenizer;
        try {
            merges = MergeList.parse(lines.toArray(new String[0]));
            preTokenizer = PreTokenizer.llamaCpp(pre);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(mergesFile + ": " + e.getMessage(), e);
        } catch (UnsupportedTokenizerException e) {
            throw new UnsupportedTokenizerException(vocabJson.getParent() + ": " + e.getMessage());
        }
        TokenType[] types = new TokenType[tokens.length];
        Arrays.fill(types, TokenType.NORMAL);
        int eot = Arrays.asList(tokens).lastIndexOf("<|endoftext|>");
        if (eot >= 0) {
            types[eot] = TokenType.CONTROL; // GPT-2's only special token
        }
        Vocabulary v = new Vocabulary(tokens, new float[tokens.length], types, eot, eot, -1,
                PreTokenizer.llamaCppAddsBos(pre), false, false);
        return new BpeTokenizer(v, merges, preTokenizer, PreTokenizer.llamaCppIgnoresMerges(pre),
                SpecialTokens.of(v, java.util.Set.of()));
    }

    /** A tokenizer from a Hugging Face {@code tokenizer.json} (model type BPE). */
    public static HfTokenizer fromTokenizerJson(Path file) throws IOException {
        JsonNode root = readJson(file);
        try {
            return build(file, root);
        } catch (UnsupportedTokenizerException e) {
            throw new UnsupportedTokenizerException(file + ": " + e.getMessage());
        }
    }

    private static HfTokenizer build(Path file, JsonNode root) throws IOException {
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new TokenizerFileException(file + ": field 'model' is missing");
        }
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new UnsupportedTokenizerException("model type '" + type + "' is not supported (supported: BPE)");
        }
        for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(field).asText("").isEmpty()) {
                throw new UnsupportedTokenizerException("BPE '" + field + "' is not supported");
            }
        }
        if (model.path("dropout").asDouble(0) > 0) {
            throw new UnsupportedTokenizerException("BPE dropout (random merges) is not supported for inference");
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw new TokenizerFileException(file + ": field 'model.vocab' is missing or not an object");
        }
        List<JsonNode> addedTokens = new ArrayList<>();
        root.path("added_tokens").forEach(addedTokens::add);
        String[] tokens = denseTokens(file, vocabNode.fields(), vocabNode.size(), addedTokens);

        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        TokenType[] types = new TokenType[tokens.length];
        Arrays.fill(types, TokenType.NORMAL);
        if (byteFallback) {
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i].matches("<0x[0-9A-F]{2}>")) {
                    types[i] = TokenType.BYTE;
                }
            }
        }
        List<SpecialTokens.Token> special = new ArrayList<>();
        for (JsonNode a : addedTokens) {
            int id = a.path("id").asInt(-1);
            boolean isSpecial = a.path("special").asBoolean(false);
            types[id] = isSpecial ? TokenType.CONTROL : TokenType.USER_DEFINED;
            special.add(new SpecialTokens.Token(id, a.path("content").asText(), isSpecial,
                    a.path("lstrip").asBoolean(false), a.path("rstrip").asBoolean(false)));
        }
        int unk = -1;
        String unkText = model.path("unk_token").asText("");
        if (!unkText.isEmpty()) {
            unk = Arrays.asList(tokens).lastIndexOf(unkText);
            if (unk < 0) {
                throw new TokenizerFileException(file + ": field 'model.unk_token' = '" + unkText
                        + "' is not in the vocabulary");
            }
            types[unk] = TokenType.UNKNOWN;
        }

        List<String[]> pairs = new ArrayList<>();
        JsonNode mergesNode = model.path("merges");
        try {
            for (JsonNode m : mergesNode) {
                if (m.isArray() && m.size() == 2) {
                    pairs.add(new String[] {m.get(0).asText(), m.get(1).asText()});
                } else {
                    MergeList one = MergeList.parse(new String[] {m.asText()});
                    pairs.add(new String[] {one.left(0), one.right(0)});
                }
            }
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(file + ": field 'model.merges': " + e.getMessage(), e);
        }

        // Special tokens added by the post-processor: before and after the single sequence "A".
        IntListPair template = template(root.get("post_processor"));
        JsonNode config = siblingConfig(file);
        int bos = template.prefix.length > 0 ? template.prefix[0] : configToken(config, "bos_token", tokens);
        int eos = template.suffix.length > 0 ? template.suffix[template.suffix.length - 1]
                : configToken(config, "eos_token", tokens);
        int[] prefix = template.prefix;
        int[] suffix = template.suffix;
        if (!template.present && config != null) {
            prefix = config.path("add_bos_token").asBoolean(false) && bos >= 0 ? new int[] {bos} : new int[0];
            suffix = config.path("add_eos_token").asBoolean(false) && eos >= 0 ? new int[] {eos} : new int[0];
        }
        Vocabulary v = new Vocabulary(tokens, new float[tokens.length], types, bos, eos, unk, prefix.length > 0,
                suffix.length > 0, false);
        return new HfTokenizer(v, MergeList.ofPairs(pairs), byteFallback, model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false), Normalizer.fromJson(root.get("normalizer")),
                PreTokenizerStep.fromJson(root.get("pre_tokenizer")), DecoderSteps.fromJson(root.get("decoder")),
                new SpecialTokens(special), prefix, suffix);
    }

    private record IntListPair(boolean present, int[] prefix, int[] suffix) {
    }

    /** TemplateProcessing's single-sequence template, inside a Sequence post-processor or alone. */
    private static IntListPair template(JsonNode pp) {
        if (pp == null || pp.isNull()) {
            return new IntListPair(false, new int[0], new int[0]);
        }
        String type = pp.path("type").asText();
        if (type.equals("Sequence")) {
            for (JsonNode p : pp.path("processors")) {
                IntListPair t = template(p);
                if (t.present) {
                    return t;
                }
            }
            return new IntListPair(true, new int[0], new int[0]);
        }
        if (type.equals("ByteLevel")) {
            return new IntListPair(true, new int[0], new int[0]); // offsets only
        }
        if (!type.equals("TemplateProcessing")) {
            throw new UnsupportedTokenizerException("post_processor '" + type + "' is not supported "
                    + "(supported: TemplateProcessing, ByteLevel, Sequence)");
        }
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode item : pp.path("single")) {
            if (item.has("Sequence")) {
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode ids = pp.path("special_tokens").path(name).path("ids");
                if (!ids.isArray() || ids.isEmpty()) {
                    throw new UnsupportedTokenizerException("post_processor: special token '" + name
                            + "' has no ids in 'special_tokens'");
                }
                for (JsonNode id : ids) {
                    (seenSequence ? suffix : prefix).add(id.asInt());
                }
            }
        }
        return new IntListPair(true, prefix.stream().mapToInt(Integer::intValue).toArray(),
                suffix.stream().mapToInt(Integer::intValue).toArray());
    }

    private static JsonNode siblingConfig(Path file) throws IOException {
        Path config = file.resolveSibling("tokenizer_config.json");
        return Files.isRegularFile(config) ? readJson(config) : null;
    }

    /** Id of a token named in tokenizer_config.json (as a string or {"content": ...}), or -1. */
    private static int configToken(JsonNode config, String field, String[] tokens) {
        if (config == null || !config.has(field)) {
            return -1;
        }
        JsonNode t = config.get(field);
        String text = t.isTextual() ? t.asText() : t.path("content").asText(null);
        return text == null ? -1 : Arrays.asList(tokens).lastIndexOf(text);
    }

    /** Token texts by id from a text-to-id map plus added tokens; ids must cover 0..n-1 without holes. */
    private static String[] denseTokens(Path file, Iterator<Map.Entry<String, JsonNode>> entries, int count,
                                        List<JsonNode> added) throws TokenizerFileException {
        int max = -1;
        List<Map.Entry<String, Integer>> all = new ArrayList<>(count + added.size());
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> e = entries.next();
            if (!e.getValue().canConvertToInt()) {
                throw new TokenizerFileException(file + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + ", not an integer");
            }
            all.add(Map.entry(e.getKey(), e.getValue().asInt()));
        }
        for (JsonNode a : added) {
            if (!a.path("id").canConvertToInt() || !a.path("content").isTextual()) {
                throw new TokenizerFileException(file + ": field 'added_tokens': entry " + a
                        + " needs an integer 'id' and a string 'content'");
            }
            all.add(Map.entry(a.get("content").asText(), a.get("id").asInt()));
        }
        for (Map.Entry<String, Integer> e : all) {
            if (e.getValue() < 0 || e.getValue() >= MAX_TOKENS) {
                throw new TokenizerFileException(file + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + ", outside 0.." + (MAX_TOKENS - 1));
            }
            max = Math.max(max, e.getValue());
        }
        String[] tokens = new String[max + 1];
        for (Map.Entry<String, Integer> e : all) {
            tokens[e.getValue()] = e.getKey();
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) {
                throw new TokenizerFileException(file + ": no token has id " + i + " (ids must run from 0 to "
                        + max + " without holes)");
            }
        }
        return tokens;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerFileException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
