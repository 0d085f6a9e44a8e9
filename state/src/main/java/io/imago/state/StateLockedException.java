package io.imago.state;

/** Another run holds the state lock. */
public class StateLockedException extends RuntimeException {
    private final LockInfo holder;
    private final String hint;

    /** A lock that goes with its holder: a killed run releases it by itself. */
    public StateLockedException(LockInfo holder) {
        this(holder, "wait for it to finish; a killed run releases the lock by itself");
    }

    /** @param hint what the user can do about it, for the store the lock is in */
    public StateLockedException(LockInfo holder, String hint) {
        super("the state is locked by another run: " + (holder == null ? "unknown holder" : holder.describe()));
        this.holder = holder;
        this.hint = hint;
    }

    /** The run that holds the lock, or null when it could not be read. */
    public LockInfo holder() {
        return holder;
    }

    public String hint() {
        return hint;
    }
}
