package io.imago.providers.local;

import io.imago.providers.spi.ChildEnvironment;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Starting processes that outlive imago, and finding and stopping them again by pid, start time and identity. */
final class Processes {
    private Processes() {}

    /**
     * Spawns the command in a session of its own ({@code setsid}) so that a Ctrl-C or a kill of
     * imago's process group does not take the universe down with it. The process starts from a
     * clean environment ({@link ChildEnvironment}): the allowlist of imago's, plus {@code env}.
     */
    static ProcessHandle spawnDetached(List<String> command, Path workDir, Map<String, String> env, Path log) {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        ChildEnvironment.apply(pb, env);
        try {
            return pb.start().toHandle();
        } catch (IOException e) {
            throw new LocalProviderException("cannot start " + command.get(0) + ": " + e.getMessage());
        }
    }

    /** The start instant the OS reports, used to tell a process from a later one with the same pid. */
    static String startOf(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toString).orElse("");
    }

    /**
     * The process a tag or pid file names, if it is still the one imago started: alive, started at
     * the recorded instant (when both are known), and recognised by {@code ours} from its command
     * line or environment. After a reboot a recorded pid may be anybody's; that one is never returned.
     */
    static Optional<ProcessHandle> find(String pid, String start, Predicate<ProcTable.Proc> ours) {
        if (pid == null || pid.isBlank()) {
            return Optional.empty();
        }
        long n;
        try {
            // abs: a single-user postgres (initdb's) writes its pid negated into postmaster.pid.
            n = Math.abs(Long.parseLong(pid.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(n).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || !ProcTable.of(n).filter(ours).isPresent()) {
            return Optional.empty();
        }
        String now = startOf(h.get());
        boolean sameStart = start == null || start.isEmpty() || now.isEmpty() || now.equals(start);
        return sameStart ? h : Optional.empty();
    }

    /** Stops every recognised process, each with its children. */
    static void stopAll(List<ProcTable.Proc> procs, Duration grace) {
        procs.forEach(p -> p.handle().ifPresent(h -> stop(h, grace)));
    }

    /** SIGTERM to the process and its children, then SIGKILL after the grace period; returns once all have exited. */
    static void stop(ProcessHandle h, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>(h.descendants().toList());
        all.add(0, h);
        all.forEach(ProcessHandle::destroy);
        awaitExit(all, System.nanoTime() + grace.toNanos());
        all.stream().filter(Processes::running).forEach(ProcessHandle::destroyForcibly);
        // A process in uninterruptible sleep outlives even SIGKILL for a moment.
        awaitExit(all, System.nanoTime() + Duration.ofSeconds(5).toNanos());
    }

    /** Alive and not a zombie; isAlive alone also checks that the pid still names the process it did (start time). */
    static boolean running(ProcessHandle p) {
        return p.isAlive() && ProcTable.running(p.pid());
    }

    /**
     * Waits until each process has exited, a zombie (exited, not yet reaped) counting as exited: the machine's init reaps
     * a detached process in its own time, a second or more on some.
     */
    private static void awaitExit(List<ProcessHandle> procs, long deadline) {
        for (ProcessHandle p : procs) {
            while (running(p) && System.nanoTime() < deadline) {
                sleep(20);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalProviderException("interrupted");
        }
    }
}
