package org.jllm.kernels;

import java.util.function.Function;
import org.jllm.kernels.scalar.ScalarFloatOps;
import org.jllm.kernels.scalar.ScalarWeightKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel provider: float ops and one {@link WeightKernel} per computable tensor type. {@link #get()} chooses the
 * implementation once per JVM: the Vector API one when the {@code jdk.incubator.vector} module is present (the JVM ran
 * with {@code --add-modules jdk.incubator.vector}), otherwise the scalar one, with a single warning saying how to
 * enable the fast path. The system property {@code jllm.kernels=scalar} forces the scalar path.
 */
public abstract class Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    private static final String VECTOR_IMPL = "org.jllm.kernels.vector.VectorKernels";

    private final WeightKernel[] weightKernels;

    protected Kernels(WeightKernel[] weightKernels) {
        this.weightKernels = weightKernels;
    }

    /** The implementation chosen for this JVM. */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** The plain-Java implementation, always available: the reference the vector one is tested against. */
    public static Kernels scalar() {
        return Holder.SCALAR;
    }

    /** Whether the Vector API is usable in this JVM. */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    public abstract String name();

    public abstract FloatOps floatOps();

    /**
     * The kernel for weights of {@code type}: for quantized types the integer path, or the float path
     * ({@link #floatPath}) when the system property {@code jllm.quantized=float} is set.
     */
    public WeightKernel weights(GgmlType type) {
        return FLOAT_PATH && type.isQuantized() ? floatPath(type) : kernel(type);
    }

    private static final boolean FLOAT_PATH = "float".equals(System.getProperty("jllm.quantized"));

    /** Quantized weights dequantized row by row and dotted with unrounded float activations. */
    public WeightKernel floatPath(GgmlType type) {
        return new DequantizingKernel(kernel(type), floatOps());
    }

    private WeightKernel kernel(GgmlType type) {
        WeightKernel k = weightKernels[type.ordinal()];
        if (k == null) {
            throw new UnsupportedTensorTypeException(type, "no kernel computes with tensor type " + type + " yet");
        }
        return k;
    }

    /**
     * A kernel for matrices of {@code type} regrouped into interleaved rows when a model is loaded, or null when this
     * implementation has none that beats the stored layout (the scalar one has none: interleaving pays off for
     * vector lanes only). See {@link RowInterleavedKernel}.
     */
    public RowInterleavedKernel rowInterleaved(GgmlType type) {
        return FLOAT_PATH ? null : interleaved(type);
    }

    protected RowInterleavedKernel interleaved(GgmlType type) {
        return null;
    }

    /** Whether {@link #weights} has a kernel for {@code type}. */
    public boolean supports(GgmlType type) {
        return weightKernels[type.ordinal()] != null;
    }

    protected static WeightKernel[] table(Function<GgmlType, WeightKernel> factory) {
        WeightKernel[] table = new WeightKernel[GgmlType.values().length];
        for (GgmlType t : GgmlType.values()) {
            table[t.ordinal()] = factory.apply(t);
        }
        return table;
    }

    private static final class ScalarKernels extends Kernels {
        private final FloatOps ops = new ScalarFloatOps();

        ScalarKernels() {
            super(table(ScalarWeightKernels::forType));
        }

        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public FloatOps floatOps() {
            return ops;
        }
    }

    private static final class Holder {
        static final Kernels SCALAR = new ScalarKernels();
        static final Kernels INSTANCE = choose();

        private static Kernels choose() {
            if ("scalar".equals(System.getProperty("jllm.kernels"))) {
                LOG.info("jllm kernels: scalar (forced by -Djllm.kernels=scalar)");
                return SCALAR;
            }
            if (!vectorApiAvailable()) {
                LOG.warn("jllm runs on its slow scalar kernels: the Vector API module is not enabled. "
                        + "Start the JVM with --add-modules jdk.incubator.vector for the SIMD kernels.");
                return SCALAR;
            }
            try {
                Kernels k = (Kernels) Class.forName(VECTOR_IMPL).getDeclaredConstructor().newInstance();
                LOG.debug("jllm kernels: {}", k.name());
                return k;
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("jllm runs on its slow scalar kernels: the Vector API kernels failed to load ({})", e.toString());
                return SCALAR;
            }
        }
    }
}
