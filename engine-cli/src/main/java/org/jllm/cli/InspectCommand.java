package org.jllm.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jllm.gguf.GgufArray;
import org.jllm.gguf.GgufFile;
import org.jllm.gguf.GgufStrings;
import org.jllm.gguf.GgufTensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "inspect", description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand extends Common implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF file (default: models/" + DEFAULT_MODEL + ").")
    Path model;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (GgufFile f = GgufFile.open(modelOrDefault(model))) {
            out.printf("file: %s%nGGUF version %d, alignment %d, data at offset %d%n%n", f.path(), f.version(),
                    f.alignment(), f.dataOffset());
            out.printf("metadata (%d keys):%n", f.metadata().size());
            for (Map.Entry<String, Object> e : f.metadata().entrySet()) {
                out.printf("  %-45s %s%n", e.getKey(), show(e.getValue()));
            }
            out.printf("%ntensors (%d):%n", f.tensors().size());
            long total = 0;
            for (GgufTensorInfo t : f.tensors()) {
                out.printf("  %-32s %-7s %-20s offset %10d  %10d bytes%n", t.name(), t.type(),
                        Arrays.toString(t.shape()), t.dataOffset(), t.byteSize());
                total += t.byteSize();
            }
            out.printf("total tensor bytes: %d%n", total);
        }
        return 0;
    }

    private static String show(Object v) {
        if (v instanceof GgufArray a) {
            StringBuilder sb = new StringBuilder("[" + a.elementType() + " x " + a.length() + "] ");
            int shown = Math.min(a.length(), 8);
            for (int i = 0; i < shown; i++) {
                sb.append(i == 0 ? "" : ", ").append(element(a, i));
            }
            return sb.append(a.length() > shown ? ", ..." : "").toString();
        }
        if (v instanceof String s) {
            String oneLine = s.replace("\n", "\\n");
            return '"' + (oneLine.length() > 100 ? oneLine.substring(0, 100) + "..." : oneLine) + '"';
        }
        return String.valueOf(v);
    }

    private static String element(GgufArray a, int i) {
        return switch (a.elementType()) {
            case STRING -> '"' + ((GgufStrings) a.values()).get(i) + '"';
            case FLOAT32 -> String.valueOf(((float[]) a.values())[i]);
            case FLOAT64 -> String.valueOf(((double[]) a.values())[i]);
            case BOOL -> String.valueOf(((boolean[]) a.values())[i]);
            case ARRAY -> "[...]";
            default -> String.valueOf(a.getLong(i));
        };
    }
}
