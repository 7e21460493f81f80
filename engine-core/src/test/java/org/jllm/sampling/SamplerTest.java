package org.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void greedyTakesTheLowestIdOnTies() {
        assertEquals(1, new Sampler(GenerationParams.greedy(1)).sample(new float[] {0f, 3f, 1f, 3f}));
        assertEquals(0, Sampler.argmax(new float[] {2f, 2f}));
    }

    @Test
    void topKOfOneIsGreedy() {
        float[] logits = randomLogits(1000, 1);
        Sampler s = new Sampler(new GenerationParams(1, 1.5f, 1, 1f, 3, true));
        for (int i = 0; i < 20; i++) {
            assertEquals(Sampler.argmax(logits), s.sample(logits));
        }
    }

    @Test
    void tinyTopPKeepsOnlyTheBestToken() {
        float[] logits = randomLogits(500, 2);
        Sampler s = new Sampler(new GenerationParams(1, 1f, 0, 1e-6f, 9, true));
        for (int i = 0; i < 20; i++) {
            assertEquals(Sampler.argmax(logits), s.sample(logits));
        }
    }

    @Test
    void equalSeedsGiveEqualDraws() {
        float[] logits = randomLogits(300, 3);
        GenerationParams p = new GenerationParams(1, 0.9f, 50, 0.9f, 42, true);
        Sampler a = new Sampler(p);
        Sampler b = new Sampler(p);
        Sampler c = new Sampler(p.withSeed(43));
        boolean differs = false;
        for (int i = 0; i < 50; i++) {
            int x = a.sample(logits);
            assertEquals(x, b.sample(logits));
            differs |= x != c.sample(logits);
        }
        assertTrue(differs, "another seed draws another sequence");
    }

    @Test
    void drawsFollowTheTemperedDistribution() {
        float[] logits = {0f, 1f, 2f};
        float t = 0.5f;
        Sampler s = new Sampler(new GenerationParams(1, t, 0, 1f, 5, true));
        int[] counts = new int[3];
        int n = 60000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits)]++;
        }
        double z = Math.exp(0) + Math.exp(2) + Math.exp(4);
        double[] expected = {1 / z, Math.exp(2) / z, Math.exp(4) / z};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], counts[i] / (double) n, 0.01, "token " + i);
        }
    }

    @Test
    void topKRestrictsToTheKBest() {
        float[] logits = {5f, 4f, 3f, 2f, 1f};
        Sampler s = new Sampler(new GenerationParams(1, 100f, 2, 1f, 1, true));
        for (int i = 0; i < 200; i++) {
            assertTrue(s.sample(logits) < 2);
        }
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new GenerationParams(0, 0f, 0, 1f, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new GenerationParams(1, -1f, 0, 1f, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new GenerationParams(1, 0f, -1, 1f, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new GenerationParams(1, 0f, 0, 0f, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new GenerationParams(1, Float.NaN, 0, 1f, 0, true));
    }

    private static float[] randomLogits(int n, long seed) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) r.nextGaussian() * 3;
        }
        return l;
    }
}
