package org.jllm.gguf;

import java.util.Arrays;
import org.jllm.kernels.GgmlType;

/**
 * One entry of a GGUF file's tensor table.
 *
 * @param shape       dimensions in GGUF order: {@code shape[0]} is the row length (the fastest-varying dimension)
 * @param dataOffset  offset of the tensor's bytes from the start of the file's data section
 * @param byteSize    bytes the tensor's data takes, from its type's block layout
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long dataOffset, long byteSize) {
    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && dataOffset == t.dataOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + dataOffset + " (" + byteSize + " bytes)";
    }
}
