package org.jllm.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jllm.gguf.GgufQuantizer;
import org.jllm.kernels.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "quantize", description = "Write a GGUF model with its weight matrices in another type "
        + "(tensor bytes identical to llama-quantize's).")
final class QuantizeCommand extends Common implements Callable<Integer> {
    @Parameters(index = "0", description = "Source GGUF model.")
    Path in;

    @Parameters(index = "1", description = "GGUF file to write.")
    Path out;

    @Parameters(index = "2", description = "Target type: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16 or F32.")
    String type;

    @Option(names = "--pure", description = "Every weight matrix in TYPE, output and embedding included "
            + "(llama-quantize's --pure).")
    boolean pure;

    @Override
    public Integer call() throws Exception {
        GgmlType t = GgufQuantizer.parseType(type);
        boolean mixedRecipe = t == GgmlType.Q4_0 || t == GgmlType.Q4_1 || t == GgmlType.Q5_0 || t == GgmlType.Q5_1;
        if (mixedRecipe && !pure) {
            // llama-quantize's default recipe puts the output matrix in Q6_K, which jllm does not write yet.
            throw new IllegalArgumentException(type + " without --pure needs a Q6_K output matrix, which jllm cannot "
                    + "write yet: add --pure");
        }
        GgufQuantizer.quantize(in, out, t);
        System.out.println("wrote " + out);
        return 0;
    }
}
