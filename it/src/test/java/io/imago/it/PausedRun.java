package io.imago.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An {@code imago} run stopped at a fault point ({@code IMAGO_FAULT=pause:POINT}), so that a test can do something
 * to a server at that instant (freeze it, restart it, signal imago) and then let the run go on.
 */
final class PausedRun {
    final Process process;
    final Path output;
    private final Path marker;

    private PausedRun(Process process, Path output, Path marker) {
        this.process = process;
        this.output = output;
        this.marker = marker;
    }

    /** Starts the command and returns once it waits at the point; fails the test if it ends or takes 4 minutes first. */
    static PausedRun at(Path dir, String point, String... args) throws Exception {
        return at(dir, Map.of(), point, args);
    }

    /** The same with more variables in the run's environment (an emulator's endpoint, say). */
    static PausedRun at(Path dir, Map<String, String> env, String point, String... args) throws Exception {
        Path marker = Files.createTempFile(dir, "pause", ".marker");
        Files.delete(marker);
        Path out = Files.createTempFile(dir, "paused", ".out");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("IMAGO_FAULT", "pause:" + point);
        all.put("IMAGO_FAULT_FILE", marker.toString());
        Process p = Cli.builder(dir, all, args)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(marker)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("imago never reached " + point + ":\n" + Files.readString(out));
        }
        return new PausedRun(p, out, marker);
    }

    /** Lets the run go on from the point. */
    void release() throws Exception {
        Files.delete(marker);
    }

    /** Waits for the run to end; returns its exit code and output (stdout and stderr together). */
    Cli.Result finish(long minutes) throws Exception {
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("imago did not finish in " + minutes + " minutes:\n" + Files.readString(output));
        }
        return new Cli.Result(process.exitValue(), Files.readString(output), "");
    }
}
