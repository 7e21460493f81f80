package org.jllm.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jllm.tokenizer.UnsupportedTokenizerException;
import org.jllm.tokenizer.bpe.ByteLevel;

/**
 * A {@code tokenizer.json} decoder as byte rewrites. Hugging Face decoders work on the list of token strings; the
 * steps before the first {@code Fuse} act on each token alone (they give a token's piece), the steps after it on the
 * joined text of a whole sequence.
 */
record DecoderSteps(List<UnaryOperator<byte[]>> perToken, List<UnaryOperator<byte[]>> perSequence) {

    static DecoderSteps fromJson(JsonNode n) {
        List<UnaryOperator<byte[]>> perToken = new ArrayList<>();
        List<UnaryOperator<byte[]>> perSequence = new ArrayList<>();
        boolean[] fused = {false};
        collect(n, perToken, perSequence, fused);
        return new DecoderSteps(List.copyOf(perToken), List.copyOf(perSequence));
    }

    private static void collect(JsonNode n, List<UnaryOperator<byte[]>> perToken,
                                List<UnaryOperator<byte[]>> perSequence, boolean[] fused) {
        if (n == null || n.isNull()) {
            return;
        }
        String type = HfJson.text(n, "type", "decoder");
        List<UnaryOperator<byte[]>> target = fused[0] ? perSequence : perToken;
        switch (type) {
            case "Sequence" -> {
                for (JsonNode d : HfJson.array(n, "decoders", "Sequence decoder")) {
                    collect(d, perToken, perSequence, fused);
                }
            }
            case "Fuse" -> fused[0] = true;
            case "ByteLevel" -> target.add(b -> ByteLevel.decode(new String(b, StandardCharsets.UTF_8)));
            case "ByteFallback" -> target.add(DecoderSteps::byteFallback);
            case "Replace" -> {
                JsonNode p = n.get("pattern");
                if (p == null || !p.has("String")) {
                    throw new UnsupportedTokenizerException("Replace decoder: only a 'String' pattern is supported");
                }
                byte[] from = p.get("String").asText().getBytes(StandardCharsets.UTF_8);
                byte[] to = HfJson.text(n, "content", "Replace decoder").getBytes(StandardCharsets.UTF_8);
                target.add(b -> replace(b, from, to));
            }
            case "Strip" -> {
                byte[] c = HfJson.text(n, "content", "Strip decoder").getBytes(StandardCharsets.UTF_8);
                int start = n.path("start").asInt(0);
                int stop = n.path("stop").asInt(0);
                target.add(b -> strip(b, c, start, stop));
            }
            default -> throw new UnsupportedTokenizerException("decoder '" + type + "' is not supported "
                    + "(supported: Sequence, ByteLevel, ByteFallback, Replace, Strip, Fuse)");
        }
    }

    /** A {@code <0xNN>} token stands for byte NN. */
    private static byte[] byteFallback(byte[] b) {
        if (b.length == 6 && b[0] == '<' && b[1] == '0' && b[2] == 'x' && b[5] == '>') {
            int hi = Character.digit(b[3], 16);
            int lo = Character.digit(b[4], 16);
            if (hi >= 0 && lo >= 0) {
                return new byte[] {(byte) (hi * 16 + lo)};
            }
        }
        return b;
    }

    private static byte[] replace(byte[] b, byte[] from, byte[] to) {
        if (from.length == 0) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int i = 0;
        while (i < b.length) {
            if (i + from.length <= b.length && Arrays.equals(b, i, i + from.length, from, 0, from.length)) {
                out.writeBytes(to);
                i += from.length;
            } else {
                out.write(b[i++]);
            }
        }
        return out.toByteArray();
    }

    /** Removes up to {@code start} leading and {@code stop} trailing copies of {@code c}. */
    private static byte[] strip(byte[] b, byte[] c, int start, int stop) {
        int from = 0;
        int to = b.length;
        for (int k = 0; k < start && from + c.length <= to && Arrays.equals(b, from, from + c.length, c, 0, c.length);
             k++) {
            from += c.length;
        }
        for (int k = 0; k < stop && to - c.length >= from && Arrays.equals(b, to - c.length, to, c, 0, c.length);
             k++) {
            to -= c.length;
        }
        return Arrays.copyOfRange(b, from, to);
    }

    byte[] token(byte[] text) {
        for (UnaryOperator<byte[]> s : perToken) {
            text = s.apply(text);
        }
        return text;
    }

    byte[] sequence(byte[] joined) {
        for (UnaryOperator<byte[]> s : perSequence) {
            joined = s.apply(joined);
        }
        return joined;
    }
}
