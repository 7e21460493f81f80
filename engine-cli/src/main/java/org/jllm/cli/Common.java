package org.jllm.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/** Options shared by the commands, and helpers. */
abstract class Common {
    /** The model {@code -m} defaults to: the one committed under {@code models/}, found from the launcher's folder. */
    static final String DEFAULT_MODEL = "tinystories-656k-q8_0.gguf";

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = {"-t", "--threads"}, description = "Threads per matrix product (default: -Djllm.threads, else "
            + "the available processors).")
    Integer threads;

    @Option(names = "--layout", defaultValue = "INTERLEAVED", description = "Weight layout in memory: "
            + "INTERLEAVED (default: quantized matrices copied at load into 32-row "
            + "groups, faster generation) or AS_STORED "
            + "(every matrix read in place from the mapped file).")
    org.jllm.WeightLayout layout;

    @Option(names = "--weight-cache", paramLabel = "DIR|none", description = "Where interleaved weight copies and "
            + "BPE merge tables are kept between runs, so that only the first load of a model copies its weights and "
            + "builds its merge table (default: "
            + "-Djllm.weight.cache, else $XDG_CACHE_HOME/jllm or ~/.cache/jllm; none: no cache).")
    String weightCache;

    /** Loads a model with the chosen thread count, layout and weight cache. */
    org.jllm.Model loadModel(Path path) throws java.io.IOException {
        return org.jllm.Model.load(path,
                threads != null ? threads : org.jllm.runtime.WorkerPool.defaultThreads(),
                layout != null ? layout : org.jllm.WeightLayout.INTERLEAVED, weightCacheDirectory());
    }

    /** The --weight-cache directory, or the user's cache directory; null for none. */
    Path weightCacheDirectory() {
        String dir = weightCache != null ? weightCache : System.getProperty("jllm.weight.cache");
        if (dir != null) {
            return dir.isBlank() || dir.equals("none") ? null : Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jllm");
    }

    boolean verbose() {
        return verbose;
    }

    static Path defaultModel() {
        String home = System.getProperty("jllm.home");
        Path base = home != null ? Path.of(home) : Path.of(".");
        Path p = base.resolve("models").resolve(DEFAULT_MODEL);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no -m MODEL given and the default model " + p + " is not there");
        }
        return p;
    }

    static Path modelOrDefault(Path model) {
        return model != null ? model : defaultModel();
    }

    /** Parses "1,2,3" (spaces allowed) into ids. */
    static int[] parseIds(String s) {
        try {
            return Arrays.stream(s.split("[,\\s]+")).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--prompt-ids takes comma-separated integers, got '" + s + "'");
        }
    }

    static String json(int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(ids[i]);
        }
        return sb.append(']').toString();
    }
}
