package io.imago.cli;

/** The contract's exit codes (blueprint-v1.md). */
public final class ExitCodes {
    public static final int OK = 0;
    /** Failed; production left live and unharmed. */
    public static final int FAILED = 1;
    /** Bad input: blueprint or usage. */
    public static final int BAD_INPUT = 2;
    /** Validation rejected the new universe. */
    public static final int REJECTED = 3;
    /** The state is locked by another run. */
    public static final int LOCKED = 4;

    private ExitCodes() {}
}
