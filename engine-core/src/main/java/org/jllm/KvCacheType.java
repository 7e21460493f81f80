package org.jllm;

/**
 * How a session stores the keys and values of past positions. {@link #F16} halves the cache's memory and, like
 * llama.cpp's default F16 cache, rounds the query to F16 before the scores and the attention weights to F16 before
 * they weigh the values, so its results are llama.cpp's with that cache.
 */
public enum KvCacheType {
    F32,
    F16
}
