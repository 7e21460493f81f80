package org.jllm.gguf;

import java.util.List;

/**
 * A metadata array. {@code values} is a primitive array for numeric element types ({@code byte[]} for UINT8/INT8,
 * {@code short[]} for 16-bit, {@code int[]} for 32-bit integers, {@code long[]} for 64-bit, {@code float[]},
 * {@code double[]}, {@code boolean[]}), {@link GgufStrings} for strings and a {@code List<GgufArray>} for nested
 * arrays.
 * Unsigned values are stored in the signed type of the same width.
 */
public record GgufArray(GgufValueType elementType, Object values, int length) {

    @SuppressWarnings("unchecked")
    public List<GgufArray> nested() {
        return (List<GgufArray>) values;
    }

    /** Element {@code i} widened to a long, for any integer element type (unsigned types read as unsigned). */
    public long getLong(int i) {
        return switch (elementType) {
            case UINT8 -> ((byte[]) values)[i] & 0xffL;
            case INT8 -> ((byte[]) values)[i];
            case UINT16 -> ((short[]) values)[i] & 0xffffL;
            case INT16 -> ((short[]) values)[i];
            case UINT32 -> ((int[]) values)[i] & 0xffffffffL;
            case INT32 -> ((int[]) values)[i];
            case UINT64, INT64 -> ((long[]) values)[i];
            default -> throw new IllegalStateException("array of " + elementType + " is not an integer array");
        };
    }
}
