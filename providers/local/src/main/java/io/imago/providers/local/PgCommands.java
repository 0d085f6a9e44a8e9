package io.imago.providers.local;

import io.imago.providers.spi.ChildEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running PostgreSQL's command-line tools to completion, and the file chores around them. */
final class PgCommands {
    private PgCommands() {}

    record Result(int code, String output) {}

    static void run(List<String> cmd, Path dir, Duration timeout, String what) {
        Result res = exec(cmd, dir, timeout);
        if (res.code != 0) {
            throw new LocalProviderException(what + " failed: " + res.output.strip());
        }
    }

    static Result exec(List<String> cmd, Path dir, Duration timeout) {
        return exec(cmd, java.util.Map.of(), dir, timeout);
    }

    /** @param env given to the command besides the clean environment: how a secret reaches it, never its argv */
    static Result exec(List<String> cmd, java.util.Map<String, String> env, Path dir, Duration timeout) {
        try {
            // initdb, pg_ctl and (through pg_ctl) the postmaster and its backends: none needs imago's environment.
            ProcessBuilder pb = ChildEnvironment.clean(new ProcessBuilder(cmd));
            pb.environment().putAll(env);
            Process p = pb.directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            // pg_ctl's server inherits no pipe of ours (-l sends its output to a file), so reading to EOF ends.
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /** The last lines of a log, to quote in an error: the reason a server refused to start is there. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())).strip();
        } catch (IOException | RuntimeException e) {
            return "(" + log + " cannot be read: " + e.getMessage() + ")";
        }
    }

    static void chown(Path p, String user) {
        if (user == null) {
            return;
        }
        try {
            UserPrincipal owner = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            Files.setOwner(p, owner);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
