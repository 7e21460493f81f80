package org.jllm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jllm.kernels.Kernels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The reference tests run twice; this checks that each run computes on the path it claims to test. */
@Tag("reference")
class KernelPathTest {
    @Test
    void runsOnTheExpectedKernels() {
        boolean scalar = Boolean.getBoolean("jllm.expect.scalar");
        assertEquals(!scalar, Kernels.vectorApiAvailable());
        assertEquals(scalar, Kernels.get().name().equals("scalar"), Kernels.get().name());
    }
}
