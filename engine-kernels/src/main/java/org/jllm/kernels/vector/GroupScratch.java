package org.jllm.kernels.vector;

/**
 * Per-thread work arrays of the vector kernels, through which their small methods hand over partial sums: a vector
 * passed to or returned from a method the JIT does not inline would be boxed, arrays never are.
 */
final class GroupScratch {
    private static final ThreadLocal<GroupScratch> CURRENT = ThreadLocal.withInitial(GroupScratch::new);

    /** Int sums of 32 rows (values, then minimums where the type has them). */
    final int[] sums = new int[64];
    /** Int minimum sums of 32 rows, beside {@link #sums}. */
    final int[] minimums = new int[32];
    /** Per-row float scales (d * d_x, then dmin * d_x where the type has them). */
    final float[] scales = new float[64];
    /** The float lanes of a row's accumulator, summed by {@link Reductions#sum(float[])}. */
    final float[] lanes = new float[16];
    /** Four rows' accumulator lanes (the F32 kernel's rows four at a time, F16's eight as two fours). */
    final float[] four = new float[64];

    /** Rows whose accumulators {@link #rowLanes} carries from one chunk of columns to the next. */
    static final int GROUP_ROWS = 32;
    /** 16 float lanes for each of {@link #GROUP_ROWS} rows. */
    final float[] rowLanes = new float[16 * GROUP_ROWS];

    static GroupScratch get() {
        return CURRENT.get();
    }
}
