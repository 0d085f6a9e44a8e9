package io.imago.blueprints;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns a YAML syntax error into one short diagnostic. The exceptions carry multi-line text with
 * snippets and parser internals; users get the problem alone, placed where the parser noticed it.
 */
final class YamlErrors {
    private YamlErrors() {}

    static Diagnostic describe(JsonProcessingException e, String file) {
        if (e.getCause() instanceof MarkedYAMLException y) {
            return describe(y, file, e.getLocation());
        }
        // Jackson's own refusals (e.g. a list used as a mapping key); its text names Java classes.
        String message = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Expected a field name")
                ? "invalid yaml: mapping keys must be plain values"
                : "invalid yaml";
        return Diagnostic.error(at(file, e.getLocation()), message, null);
    }

    private static Diagnostic describe(MarkedYAMLException y, String file, JsonLocation fallback) {
        String problem = y.getProblem() == null ? "" : y.getProblem();
        String context = y.getContext() == null ? "" : y.getContext();
        SourcePos problemPos = y.getProblemMark() != null ? at(file, y.getProblemMark()) : at(file, fallback);
        SourcePos contextPos = y.getContextMark() != null ? at(file, y.getContextMark()) : problemPos;

        // Where the parser gave up is often the end of the file; what the user left open is
        // more useful: the quote or bracket that starts the unfinished value.
        boolean endOfFile = problem.contains("end of stream") || problem.contains("<stream end>");
        if (context.contains("quoted scalar") && endOfFile) {
            return Diagnostic.error(contextPos, "invalid yaml: unclosed quote", null);
        }
        if (context.contains("flow sequence") && (endOfFile || problem.startsWith("expected ',' or ']'"))) {
            return Diagnostic.error(contextPos, "invalid yaml: unclosed '['", null);
        }
        if (context.contains("flow mapping") && (endOfFile || problem.startsWith("expected ',' or '}'"))) {
            return Diagnostic.error(contextPos, "invalid yaml: unclosed '{'", null);
        }
        if (problem.startsWith("found unknown escape character")) {
            return Diagnostic.error(problemPos, "invalid yaml: unknown escape in double quotes",
                    "use single quotes for text with backslashes");
        }
        if (problem.contains("cannot start any token") && !problem.contains("\\t(TAB)")) {
            return Diagnostic.error(problemPos, "invalid yaml: " + clean(problem), "quote the value");
        }
        if (problem.contains("\\t(TAB)")) {
            return Diagnostic.error(problemPos, "invalid yaml: tab used for indentation", "indent with spaces");
        }
        if (problem.startsWith("mapping values are not allowed")) {
            return Diagnostic.error(problemPos, "invalid yaml: unexpected ':'", "quote values that contain ': '");
        }
        if (problem.startsWith("expected <block end>") || problem.startsWith("could not find expected ':'")) {
            return Diagnostic.error(problemPos, "invalid yaml: bad indentation",
                    "align the fields of one mapping in the same column");
        }
        return Diagnostic.error(problemPos, "invalid yaml: " + clean(problem), null);
    }

    /** Keeps the first sentence and spells parser tokens the way users see them. */
    private static String clean(String problem) {
        String s = problem.replace("<stream end>", "end of file").replace("end of stream", "end of file");
        int stop = s.indexOf(". ");
        s = stop > 0 ? s.substring(0, stop) : s;
        s = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        return s.isBlank() ? "syntax error" : s;
    }

    private static SourcePos at(String file, Mark mark) {
        return new SourcePos(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static SourcePos at(String file, JsonLocation location) {
        return location == null ? new SourcePos(file, 0, 0)
                : new SourcePos(file, location.getLineNr(), location.getColumnNr());
    }
}
