package io.imago.state;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * Who holds the state lock: enough for a user to find the other run (and, for a lock a killed run left
 * behind in a remote state, to see how old it is).
 *
 * @param user the holder's login name; null in a lock written before it was recorded
 */
public record LockInfo(long pid, String host, String user, Instant started, String operation) {
    /** This process, taking the lock now for the operation. */
    public static LockInfo forThisProcess(String operation) {
        return new LockInfo(ProcessHandle.current().pid(), hostName(), System.getProperty("user.name"), Instant.now(), operation);
    }

    public String describe() {
        return describe(Instant.now());
    }

    String describe(Instant now) {
        return "pid " + pid + " on " + host + (user == null ? "" : " (user " + user + ")") + ", " + operation
                + " started " + started + (started == null ? "" : " (" + age(Duration.between(started, now)) + " ago)");
    }

    /** A coarse, readable age: {@code 42 s}, {@code 5 min}, {@code 3 h 12 min}, {@code 2 d 4 h}. */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min";
        }
        if (s < 86400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86400 + " d " + s % 86400 / 3600 + " h";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
