package io.imago.cli;

/** A command has already told the user what went wrong and only needs to exit with this code. */
final class ExitException extends RuntimeException {
    private final int code;

    ExitException(int code) {
        super(null, null, false, false);
        this.code = code;
    }

    int code() {
        return code;
    }
}
