package org.jllm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link FloatTrig} against sinf/cosf values computed by glibc (the resource file says how). */
class FloatTrigTest {

    @Test
    void equalsGlibcBitForBit() throws Exception {
        int lines = 0;
        int notCorrectlyRounded = 0;
        try (var in = new BufferedReader(new InputStreamReader(
                FloatTrigTest.class.getResourceAsStream("glibc-sincosf.txt"), StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ");
                float x = Float.intBitsToFloat(Integer.parseUnsignedInt(f[0], 16));
                int sin = Integer.parseUnsignedInt(f[1], 16);
                int cos = Integer.parseUnsignedInt(f[2], 16);
                assertEquals(sin, Float.floatToRawIntBits(FloatTrig.sin(x)), () -> "sin(" + x + ")");
                assertEquals(cos, Float.floatToRawIntBits(FloatTrig.cos(x)), () -> "cos(" + x + ")");
                if (Float.intBitsToFloat(cos) != (float) Math.cos(x) || Float.intBitsToFloat(sin) != (float) Math.sin(x)) {
                    notCorrectlyRounded++;
                }
                lines++;
            }
        }
        assertEquals(2034, lines, "test vectors");
        // The point of the class: these are inputs where a correctly rounded sin/cos would not give llama.cpp's bits.
        assertTrue(notCorrectlyRounded >= 600, "vectors where glibc is not correctly rounded: " + notCorrectlyRounded);
    }

    @Test
    void specialValues() {
        assertTrue(Float.isNaN(FloatTrig.sin(Float.NaN)));
        assertTrue(Float.isNaN(FloatTrig.cos(Float.POSITIVE_INFINITY)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatTrig.sin(-0f)));
        assertEquals(1f, FloatTrig.cos(0f));
    }
}
