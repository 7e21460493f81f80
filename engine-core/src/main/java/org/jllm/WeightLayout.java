package org.jllm;

/** How a loaded model keeps its weight matrices in memory. */
public enum WeightLayout {
    /**
     * Every matrix is read in place from the mapped file: loading does no per-weight work and adds no memory.
     */
    AS_STORED,
    /**
     * Matrices of the types the kernels compute faster with interleaved rows (every quantized type,
     * on 512-bit vectors) are copied once at load into that layout, off the Java heap: generation reads the
     * copy, prompt blocks and embedding look-ups still read the mapped file. Costs the copy's memory and time at load
     * (unless a weight cache keeps the copy between loads: {@link Model#load(java.nio.file.Path,
     * org.jllm.kernels.Kernels, int, WeightLayout, java.nio.file.Path)}); other types stay as stored.
     */
    INTERLEAVED
}
