package io.imago.engine;

/**
 * A failure meant for users: a message (no stack trace) and what kind of failure it is, which the
 * CLI maps to an exit code.
 */
public class EngineException extends RuntimeException {
    public enum Kind {
        /** Failed; production left live and unharmed (exit 1). */
        FAILED,
        /** Bad input: blueprint, arguments, or a request the state makes meaningless (exit 2). */
        BAD_INPUT,
        /** Validation rejected the new universe (exit 3). */
        REJECTED
    }

    private final Kind kind;
    private Object details;

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** What the CLI adds to the JSON error beside the message ({@code {"checks":[...]}} for a rejection), or null. */
    public Object details() {
        return details;
    }

    public EngineException withDetails(Object details) {
        this.details = details;
        return this;
    }

    public static EngineException failed(String message) {
        return new EngineException(Kind.FAILED, message);
    }

    public static EngineException badInput(String message) {
        return new EngineException(Kind.BAD_INPUT, message);
    }
}
