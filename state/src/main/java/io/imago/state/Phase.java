package io.imago.state;

/** Where a universe is in its life. */
public enum Phase {
    /** Being rented and filled by an apply that has not switched yet. */
    BUILDING,
    /** Serving users through its ingress. */
    LIVE,
    /** Replaced, kept for the rollback window. */
    RETIRING,
    /** Switched back from by {@code imago rollback}; kept, fenced, for inspection until destroyed. */
    ROLLED_BACK,
    /** Refused by validation; kept for inspection until destroyed. */
    REJECTED,
    /** An apply failed before the switch; re-running apply resumes it. */
    FAILED,
    /** Everything it rented has been released. */
    DESTROYED
}
