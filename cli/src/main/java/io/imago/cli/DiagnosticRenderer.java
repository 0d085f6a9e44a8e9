package io.imago.cli;

import io.imago.blueprints.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders blueprint diagnostics: {@code file:line:col: message}, then the offending line with a
 * caret under the column, then the hint. The JSON form carries the same fields.
 */
final class DiagnosticRenderer {
    private DiagnosticRenderer() {}

    static void text(Output o, Diagnostic d) {
        String sev = d.isError() ? "" : o.yellow("warning: ");
        o.err.println(d.pos() + ": " + sev + d.message());
        snippet(d).ifPresent(lines -> lines.forEach(l -> o.err.println(o.dim(l))));
        if (d.hint() != null) {
            o.err.println("  hint: " + d.hint());
        }
    }

    static Map<String, Object> json(Diagnostic d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", d.severity().name().toLowerCase());
        m.put("file", d.pos().file());
        m.put("line", d.pos().line());
        m.put("column", d.pos().column());
        m.put("message", d.message());
        m.put("hint", d.hint());
        m.put("text", d.oneLine());
        return m;
    }

    private static java.util.Optional<List<String>> snippet(Diagnostic d) {
        if (d.pos().line() <= 0) {
            return java.util.Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(d.pos().file()));
            if (d.pos().line() > lines.size()) {
                return java.util.Optional.empty();
            }
            String n = Integer.toString(d.pos().line());
            String gutter = " ".repeat(n.length());
            String line = lines.get(d.pos().line() - 1);
            if (d.sensitive()) {
                // The value may be a password: the line up to it, not the value.
                line = line.substring(0, Math.min(line.length(), Math.max(0, d.pos().column() - 1))) + "(value not shown)";
            }
            String caret = " ".repeat(Math.max(0, d.pos().column() - 1)) + "^";
            return java.util.Optional.of(List.of("  " + n + " | " + line, "  " + gutter + " | " + caret));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
