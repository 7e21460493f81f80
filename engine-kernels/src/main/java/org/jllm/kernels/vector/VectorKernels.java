package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.WeightKernel;

/**
 * The Vector API implementation. Loaded reflectively by {@link Kernels} only when the {@code jdk.incubator.vector}
 * module is present, so nothing else in the library links against the incubator module.
 */
public final class VectorKernels extends Kernels {
    private final FloatOps floatOps = new VectorFloatOps();

    public VectorKernels() {
        super(table(VectorWeightKernels::forType));
    }

    @Override
    public String name() {
        return "vector (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)";
    }

    @Override
    public FloatOps floatOps() {
        return floatOps;
    }
}
