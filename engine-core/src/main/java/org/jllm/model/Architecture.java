package org.jllm.model;

import java.io.IOException;
import org.jllm.gguf.GgufFile;
import org.jllm.kernels.Kernels;

/** One model family: builds its {@link LanguageModel} from a GGUF file's metadata and tensors. */
public interface Architecture {

    /** The GGUF {@code general.architecture} values this family reads. */
    java.util.Set<String> names();

    LanguageModel build(GgufFile file, Kernels kernels) throws IOException;
}
