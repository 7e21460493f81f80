package org.jllm.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jllm.model.llama.LlamaArchitecture;

/** The registry of model families, by GGUF {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME = new TreeMap<>();

    static {
        for (Architecture a : List.<Architecture>of(new LlamaArchitecture())) {
            for (String name : a.names()) {
                BY_NAME.put(name, a);
            }
        }
    }

    private Architectures() {
    }

    /** The family for {@code name}. */
    public static Architecture forName(String name) throws ModelFormatException {
        Architecture a = BY_NAME.get(name);
        if (a == null) {
            throw new ModelFormatException("unsupported model architecture '" + name + "' (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return a;
    }

    public static java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(BY_NAME.keySet());
    }
}
