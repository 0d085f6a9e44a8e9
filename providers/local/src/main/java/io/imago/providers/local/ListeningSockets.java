package io.imago.providers.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Who listens on a TCP port, read from {@code /proc/net/tcp{,6}} (the listening sockets' inodes) and
 * {@code /proc/<pid>/fd} (which process holds them). An instance's port is chosen free and bound by the instance a
 * moment later; another local user could take it in between and receive the instance's traffic. So an instance is
 * only healthy while the socket on its port is one of its own process tree's: a stranger's listener cannot pass,
 * even if it answers the health path.
 */
final class ListeningSockets {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String LISTEN = "0A";

    private ListeningSockets() {}

    /** True when a socket listening on {@code port} is held open by {@code root} or one of its descendants. */
    static boolean heldBy(int port, ProcessHandle root) {
        Set<String> inodes = listening(port);
        if (inodes.isEmpty()) {
            return false;
        }
        return Stream.concat(Stream.of(root), root.descendants()).anyMatch(p -> holdsAny(p.pid(), inodes));
    }

    /** The inodes of the sockets listening on the port, as {@code socket:[inode]} link targets. */
    static Set<String> listening(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        Set<String> out = new HashSet<>();
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                continue; // no IPv6, say
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && LISTEN.equals(f[3])) {
                    out.add("socket:[" + f[9] + "]");
                }
            }
        }
        return out;
    }

    private static boolean holdsAny(long pid, Set<String> targets) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    if (targets.contains(Files.readSymbolicLink(fd).toString())) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed while we looked
                }
            }
        } catch (IOException | SecurityException e) {
            return false; // gone, or not ours to look at: either way not holding it for us
        }
        return false;
    }
}
