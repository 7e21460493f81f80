package org.jllm.model;

import java.io.IOException;

/** One model family: builds its {@link LanguageModel} from a GGUF file's metadata and tensors. */
public interface Architecture {

    /** The GGUF {@code general.architecture} values this family reads. */
    java.util.Set<String> names();

    /** The model of {@code weights.file()}, its matrices taken from {@code weights}. */
    LanguageModel build(GgufWeights weights) throws IOException;
}
