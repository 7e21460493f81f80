package org.jllm.kernels;

/** A tensor's element type is known but no kernel computes with it (yet). */
public class UnsupportedTensorTypeException extends RuntimeException {
    private final GgmlType type;

    public UnsupportedTensorTypeException(GgmlType type, String message) {
        super(message);
        this.type = type;
    }

    public GgmlType type() {
        return type;
    }
}
