package io.imago.blueprints;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every problem of one load, so users fix a blueprint in one round instead of many. */
final class Diagnostics {
    private final List<Diagnostic> list = new ArrayList<>();

    void error(SourcePos pos, String message) {
        error(pos, message, null);
    }

    void error(SourcePos pos, String message, String hint) {
        list.add(Diagnostic.error(pos, message, hint));
    }

    /** An error about a value that may be a secret: the renderers do not show the value. */
    void sensitiveError(SourcePos pos, String message, String hint) {
        list.add(new Diagnostic(Diagnostic.Severity.ERROR, pos, message, hint, true));
    }

    void add(Diagnostic diagnostic) {
        list.add(diagnostic);
    }

    void warning(SourcePos pos, String message, String hint) {
        list.add(new Diagnostic(Diagnostic.Severity.WARNING, pos, message, hint));
    }

    /** For "first declared at ..." hints: the line, or the column when both are on one line. */
    static String earlier(SourcePos first, SourcePos here) {
        return first.line() == here.line() ? "column " + first.column() : "line " + first.line();
    }

    boolean hasErrors() {
        return list.stream().anyMatch(Diagnostic::isError);
    }

    /**
     * In file order: sections are read in a fixed order, not the user's, and users read
     * diagnostics top to bottom alongside their file. The sort is stable, so problems at one
     * place keep the order they were found in.
     */
    List<Diagnostic> inFileOrder() {
        return list.stream()
                .sorted(Comparator.comparingInt((Diagnostic d) -> d.pos().line())
                        .thenComparingInt(d -> d.pos().column()))
                .toList();
    }
}
