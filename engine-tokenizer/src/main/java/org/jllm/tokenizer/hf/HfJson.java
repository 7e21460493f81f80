package org.jllm.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;
import org.jllm.tokenizer.UnsupportedTokenizerException;

/** Field access for {@code tokenizer.json} with errors that name the component and field. */
final class HfJson {
    private HfJson() {
    }

    static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new UnsupportedTokenizerException(where + ": field '" + field + "' is missing or not a string");
        }
        return v.asText();
    }

    static JsonNode array(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw new UnsupportedTokenizerException(where + ": field '" + field + "' is missing or not an array");
        }
        return v;
    }

    static boolean bool(JsonNode n, String field, boolean defaultValue) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? defaultValue : v.asBoolean();
    }

    /**
     * A {@code {"String": s}} or {@code {"Regex": r}} pattern. Regexes (Oniguruma in Hugging Face tokenizers) run
     * with Unicode character classes, so {@code \s} and {@code \w} are Unicode's as there.
     */
    static Pattern pattern(JsonNode p, String where, boolean unicodeClasses) {
        if (p != null && p.has("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p != null && p.has("Regex")) {
            return Pattern.compile(p.get("Regex").asText(), unicodeClasses ? Pattern.UNICODE_CHARACTER_CLASS : 0);
        }
        throw new UnsupportedTokenizerException(where + ": field 'pattern' must hold 'String' or 'Regex'");
    }
}
