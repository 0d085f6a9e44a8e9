package io.imago.state;

import java.time.Instant;

/** Who holds the state lock: enough for a user to find the other run. */
public record LockInfo(long pid, String host, Instant started, String operation) {
    public String describe() {
        return "pid " + pid + " on " + host + ", " + operation + " started " + started;
    }
}
