package org.jllm.model;

import java.io.IOException;

/** A model file is readable but does not describe a model this engine can build (a missing or misshapen tensor, an
 * unsupported architecture or option). The message names the file and what was expected. */
public class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
