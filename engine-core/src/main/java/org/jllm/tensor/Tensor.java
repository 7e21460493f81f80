package org.jllm.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jllm.kernels.GgmlType;

/**
 * A named tensor: its element type, shape and bytes. The bytes are usually a slice of a mapped model file.
 *
 * @param shape GGUF order: {@code shape[0]} is the row length, {@code shape[1]} the number of rows
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
    public Tensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Values per row. */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Rows, counting every dimension past the first. */
    public int rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) {
            r *= shape[i];
        }
        return Math.toIntExact(r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
