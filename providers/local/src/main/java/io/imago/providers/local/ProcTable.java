package io.imago.providers.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What {@code /proc} says about a process: its command line and environment. A pid alone is no
 * proof of identity (imago may have been killed before it wrote one, and after a reboot the pid may
 * belong to anybody), so the provider recognises what it started by what it put in the command
 * line or the environment, and signals nothing it does not recognise.
 */
final class ProcTable {
    private static final Path PROC = Path.of("/proc");

    private ProcTable() {}

    /** One process as seen now; the environment is read on demand, it is the costly part. */
    record Proc(long pid, long ppid, List<String> cmdline) {
        /** Empty when unreadable (another user's process, or gone): such a process is never ours. */
        Map<String, String> environ() {
            Map<String, String> env = new HashMap<>();
            for (String kv : readNulSeparated(PROC.resolve(Long.toString(pid)).resolve("environ"))) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return env;
        }

        /** True if one argument is exactly {@code arg}: substrings would match a longer path. */
        boolean hasArg(String arg) {
            return cmdline.contains(arg);
        }

        /** The value after {@code option} on the command line, if any. */
        Optional<String> option(String option) {
            int i = cmdline.indexOf(option);
            return i >= 0 && i + 1 < cmdline.size() ? Optional.of(cmdline.get(i + 1)) : Optional.empty();
        }

        Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        }
    }

    static Optional<Proc> of(long pid) {
        Path dir = PROC.resolve(Long.toString(pid));
        List<String> cmd = readNulSeparated(dir.resolve("cmdline"));
        if (cmd.isEmpty()) {
            return Optional.empty(); // gone, or a zombie / kernel thread: nothing to recognise or signal
        }
        return Optional.of(new Proc(pid, ppid(dir), cmd));
    }

    /** Every live process the predicate recognises, except imago itself. */
    static List<Proc> matching(Predicate<Proc> ours) {
        long self = ProcessHandle.current().pid();
        List<Proc> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(PROC)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                of(Long.parseLong(name)).filter(ours).ifPresent(out::add);
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * The matches whose parent is not a match: a recognised environment is inherited by every
     * child, but only the top of each tree is the thing that was started.
     */
    static List<Proc> roots(List<Proc> matches) {
        Set<Long> pids = new HashSet<>();
        matches.forEach(p -> pids.add(p.pid()));
        return matches.stream().filter(p -> !pids.contains(p.ppid())).toList();
    }

    /**
     * True while the process exists and has not exited. {@link ProcessHandle#isAlive} also says true for a zombie
     * (exited, not yet reaped), and the reaper of a process imago left detached is whatever init the machine runs:
     * some reap only every second or two, which made every stop wait that long for a process already gone.
     */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X' && state != 'x';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long ppid(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static List<String> readNulSeparated(Path f) {
        try {
            String s = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            if (s.isEmpty()) {
                return List.of();
            }
            return Arrays.asList(s.split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
