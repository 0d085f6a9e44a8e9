package io.imago.state;

import java.time.Instant;

/** One line of a universe's step journal: a step started, finished or failed. */
public record JournalEntry(String step, Status status, Instant at, String detail) {
    public enum Status { STARTED, DONE, FAILED }
}
