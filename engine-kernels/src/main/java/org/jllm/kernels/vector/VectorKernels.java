package org.jllm.kernels.vector;

import jdk.incubator.vector.FloatVector;
import org.jllm.kernels.FloatOps;
import org.jllm.kernels.GgmlType;
import org.jllm.kernels.Kernels;
import org.jllm.kernels.RowInterleavedKernel;

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

    /**
     * Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, the K-quants and IQ4_XS in groups of 32 rows, on 512-bit vectors only: the layouts' speed
     * comes from 32 int16 lanes.
     */
    @Override
    protected RowInterleavedKernel interleaved(GgmlType type) {
        if (!Wide.AVAILABLE) {
            return null;
        }
        return switch (type) {
            case Q8_0 -> q8_0x32;
            case Q4_0 -> q4_0x32;
            case Q4_1 -> q4_1x32;
            case Q5_0 -> q5_0x32;
            case Q5_1 -> q5_1x32;
            case Q2_K -> q2_Kx32;
            case Q3_K -> q3_Kx32;
            case Q4_K -> q4_Kx32;
            case Q5_K -> q5_Kx32;
            case Q6_K -> q6_Kx32;
            case IQ4_XS -> iq4_XSx32;
            case IQ4_NL -> iq4_NLx32;
            default -> null;
        };
    }

    private final RowInterleavedKernel q8_0x32 = Wide.AVAILABLE ? new VectorQ8_0x32Kernel() : null;
    private final RowInterleavedKernel q4_0x32 = Wide.AVAILABLE ? new VectorQ4_0x32Kernel() : null;
    private final RowInterleavedKernel q4_1x32 = Wide.AVAILABLE ? new VectorQ4_1x32Kernel() : null;
    private final RowInterleavedKernel q5_0x32 = Wide.AVAILABLE ? new VectorQ5_0x32Kernel() : null;
    private final RowInterleavedKernel q5_1x32 = Wide.AVAILABLE ? new VectorQ5_1x32Kernel() : null;
    private final RowInterleavedKernel q2_Kx32 = Wide.AVAILABLE ? new VectorQ2_Kx32Kernel() : null;
    private final RowInterleavedKernel q3_Kx32 = Wide.AVAILABLE ? new VectorQ3_Kx32Kernel() : null;
    private final RowInterleavedKernel q4_Kx32 = Wide.AVAILABLE ? new VectorQ4_Kx32Kernel() : null;
    private final RowInterleavedKernel q5_Kx32 = Wide.AVAILABLE ? new VectorQ5_Kx32Kernel() : null;
    private final RowInterleavedKernel q6_Kx32 = Wide.AVAILABLE ? new VectorQ6_Kx32Kernel() : null;
    private final RowInterleavedKernel iq4_XSx32 = Wide.AVAILABLE ? new VectorIQ4_XSx32Kernel() : null;
    private final RowInterleavedKernel iq4_NLx32 = Wide.AVAILABLE ? new VectorIQ4_NLx32Kernel() : null;
}
