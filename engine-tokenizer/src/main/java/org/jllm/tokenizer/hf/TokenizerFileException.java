package org.jllm.tokenizer.hf;

import java.io.IOException;

/** A tokenizer file is malformed; the message names the file and the field. */
public class TokenizerFileException extends IOException {
    public TokenizerFileException(String message) {
        super(message);
    }

    public TokenizerFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
