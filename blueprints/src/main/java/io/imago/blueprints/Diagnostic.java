package io.imago.blueprints;

/**
 * One problem found in a blueprint: a value, not an exception, so that a run can collect every
 * problem before reporting (the CLI alone renders them).
 *
 * @param hint the closest known field name, the allowed values, or null
 * @param sensitive the value at {@code pos} may be a secret (a password written into the blueprint): renderers
 *     show the line up to it, not the value
 */
public record Diagnostic(Severity severity, SourcePos pos, String message, String hint, boolean sensitive) {
    public enum Severity { ERROR, WARNING }

    public Diagnostic(Severity severity, SourcePos pos, String message, String hint) {
        this(severity, pos, message, hint, false);
    }

    public static Diagnostic error(SourcePos pos, String message, String hint) {
        return new Diagnostic(Severity.ERROR, pos, message, hint);
    }

    public static Diagnostic error(SourcePos pos, String message) {
        return error(pos, message, null);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The one-line form: {@code file:line:col: message (hint)}. */
    public String oneLine() {
        return pos + ": " + message + (hint == null ? "" : " (" + hint + ")");
    }
}
