package io.imago.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs a command, failing with its output when it fails; bash pipelines run with pipefail. */
final class Proc {
    private Proc() {
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out;
        int code;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            code = p.waitFor();
        } catch (IOException | InterruptedException e) {
            p.destroy(); // interrupted: the benchmark is stopping
            throw e;
        }
        if (code != 0) {
            throw new IOException("command failed (exit " + code + "): " + String.join(" ", cmd) + "\n" + tail(out));
        }
        return out;
    }

    /** A shell pipeline; stdout is discarded unless it fails. */
    static String bash(String script) throws IOException, InterruptedException {
        return run(List.of("bash", "-c", "set -euo pipefail; " + script));
    }

    static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }
}
