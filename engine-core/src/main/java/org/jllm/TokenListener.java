package org.jllm;

/** Receives generated tokens as they are produced. */
@FunctionalInterface
public interface TokenListener {

    /**
     * Called once per generated token, in order.
     *
     * @param tokenId the token
     * @param text    the text this token completes (empty while a multi-byte character is still incomplete)
     * @return true to go on, false to stop generating after this token
     */
    boolean onToken(int tokenId, String text);
}
