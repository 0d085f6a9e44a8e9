package io.imago.providers.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Ports for children that must be told theirs before they bind it (an application's {@code PORT},
 * PostgreSQL's port).
 *
 * <p>Why not "bind port 0, close, hand the number over": port 0 draws from the kernel's ephemeral range, the
 * same range every outgoing connection draws its local port from, so on a busy machine a client socket could
 * take the port before the child bound it (seen once: an instance "exited before it was healthy" with a bind
 * error). Here a port is drawn at random below that range (above it when there is no room below), where only
 * a process binding that very number explicitly can collide, and checked free by binding it. Public for the
 * end-to-end tests, which choose ports for what they start (an ingress's, a test server's) the same way.
 */
public final class FreePorts {
    static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** The kernel's default, when its setting cannot be read (not Linux). */
    static final Range DEFAULT_EPHEMERAL = new Range(32768, 60999);
    private static final int LOWEST = 10_000;
    private static final int MIN_ROOM = 1_000;
    private static final int ATTEMPTS = 50;

    /** Ports {@code low} to {@code high}, both included. */
    record Range(int low, int high) {
    }

    private FreePorts() {
    }

    /** A port free now, outside the ephemeral range when there is room. */
    public static int pick() {
        return pick(ephemeralRange(EPHEMERAL_RANGE), ThreadLocalRandom.current(), FreePorts::bindable);
    }

    static int pick(Range ephemeral, RandomGenerator random, IntPredicate free) {
        Range outside = outside(ephemeral);
        if (outside != null) {
            for (int i = 0; i < ATTEMPTS; i++) {
                int port = random.nextInt(outside.low(), outside.high() + 1);
                if (free.test(port)) {
                    return port;
                }
            }
        }
        return anyPort();
    }

    /** Where to draw from: below the ephemeral range, else above it; null when neither has room. */
    static Range outside(Range ephemeral) {
        if (ephemeral.low() - LOWEST >= MIN_ROOM) {
            return new Range(LOWEST, ephemeral.low() - 1);
        }
        if (65535 - ephemeral.high() >= MIN_ROOM) {
            return new Range(ephemeral.high() + 1, 65535);
        }
        return null;
    }

    static Range ephemeralRange(Path setting) {
        try {
            String[] parts = Files.readString(setting).trim().split("\\s+");
            return new Range(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL;
        }
    }

    public static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int anyPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
