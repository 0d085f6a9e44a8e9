package io.imago.state;

/** Another run holds the state lock. */
public class StateLockedException extends RuntimeException {
    private final LockInfo holder;

    public StateLockedException(LockInfo holder) {
        super("the state is locked by another run: " + (holder == null ? "unknown holder" : holder.describe()));
        this.holder = holder;
    }

    public LockInfo holder() {
        return holder;
    }
}
