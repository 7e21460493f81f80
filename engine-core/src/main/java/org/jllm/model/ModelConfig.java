package org.jllm.model;

/**
 * Hyper-parameters of a decoder-only transformer, as read from a model file.
 *
 * @param headDim       values per attention head (query and key)
 * @param ropeDim       leading values of each head that are rotated ({@code rope.dimension_count})
 * @param ropeFreqScale position scale of linear RoPE scaling (1 when there is none)
 */
public record ModelConfig(String architecture, int vocabularySize, int embeddingLength, int feedForwardLength,
                          int blockCount, int headCount, int headCountKv, int headDim, int contextLength,
                          float ropeFreqBase, int ropeDim, float ropeFreqScale, float normEpsilon) {

    /** Width of the key and value vectors of one position (all KV heads). */
    public int kvDim() {
        return headCountKv * headDim;
    }

    /** Width of the query vector of one position (all heads). */
    public int qDim() {
        return headCount * headDim;
    }
}
