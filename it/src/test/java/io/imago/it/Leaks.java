package io.imago.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds processes left behind: any whose working directory or command line lies in a folder. */
final class Leaks {
    private Leaks() {}

    /**
     * Whether a process still runs: not gone, and not a zombie waiting for its parent (orphans are
     * reaped by whatever runs as pid 1, in its own time). Waits a little for one that is ending.
     */
    static boolean running(long pid) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    static List<String> processesUnder(Path dir) {
        String d = dir.toAbsolutePath().toString();
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                if (Long.parseLong(p.getFileName().toString()) == self) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ').trim();
                    String cwd = "";
                    try {
                        cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    } catch (IOException ignored) {
                        // not ours to read
                    }
                    if (!cmd.isEmpty() && (cmd.contains(d) || cwd.startsWith(d))) {
                        found.add(p.getFileName() + ": " + cmd);
                    }
                } catch (IOException ignored) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }
}
