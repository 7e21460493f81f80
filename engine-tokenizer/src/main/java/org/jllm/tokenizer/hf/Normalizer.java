package org.jllm.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jllm.tokenizer.UnsupportedTokenizerException;

/** A {@code tokenizer.json} normalizer: rewrites each raw-text segment before pre-tokenization. */
interface Normalizer {
    String apply(String text);

    Normalizer NONE = text -> text;

    static Normalizer fromJson(JsonNode n) {
        if (n == null || n.isNull()) {
            return NONE;
        }
        String type = HfJson.text(n, "type", "normalizer");
        return switch (type) {
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode s : HfJson.array(n, "normalizers", "Sequence normalizer")) {
                    steps.add(fromJson(s));
                }
                yield text -> {
                    for (Normalizer s : steps) {
                        text = s.apply(text);
                    }
                    return text;
                };
            }
            case "Prepend" -> {
                String prepend = HfJson.text(n, "prepend", "Prepend normalizer");
                yield text -> text.isEmpty() ? text : prepend + text; // HF leaves empty text empty
            }
            case "Replace" -> {
                Pattern p = HfJson.pattern(n.get("pattern"), "Replace normalizer", true);
                String content = Matcher.quoteReplacement(HfJson.text(n, "content", "Replace normalizer"));
                yield text -> p.matcher(text).replaceAll(content);
            }
            case "NFC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC);
            case "NFD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFD);
            case "NFKC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC);
            case "NFKD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKD);
            default -> throw new UnsupportedTokenizerException("normalizer '" + type + "' is not supported "
                    + "(supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD)");
        };
    }
}
