package io.imago.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Rendering shared by the commands: JSON to stdout for scripts, text with optional colour for people. */
final class Output {
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    final PrintStream out;
    final PrintStream err;
    final GlobalOptions opts;
    private final boolean color;

    Output(PrintStream out, PrintStream err, GlobalOptions opts) {
        this.out = out;
        this.err = err;
        this.opts = opts;
        this.color = !opts.noColor && System.getenv("NO_COLOR") == null && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** A terminal that can redraw a line and show colour (not NO_COLOR, --no-color, TERM=dumb or a pipe). */
    boolean live() {
        return color;
    }

    boolean json() {
        return opts.json();
    }

    void json(Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    void error(String message, String hint) {
        error(message, hint, null);
    }

    /** @param details more for scripts, merged into the JSON error ({@code {"checks":[...]}} when validation rejected), or null */
    void error(String message, String hint, Object details) {
        if (json()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("message", message);
            if (hint != null) {
                e.put("hint", hint);
            }
            if (details instanceof Map<?, ?> m) {
                m.forEach((k, v) -> e.put(String.valueOf(k), v));
            }
            json(Map.of("error", e));
        }
        err.println(red("error: ") + message);
        if (hint != null) {
            err.println("  hint: " + hint);
        }
    }

    String bold(String s) {
        return color ? "\u001b[1m" + s + "\u001b[0m" : s;
    }

    String red(String s) {
        return color ? "\u001b[31m" + s + "\u001b[0m" : s;
    }

    String green(String s) {
        return color ? "\u001b[32m" + s + "\u001b[0m" : s;
    }

    String yellow(String s) {
        return color ? "\u001b[33m" + s + "\u001b[0m" : s;
    }

    String dim(String s) {
        return color ? "\u001b[2m" + s + "\u001b[0m" : s;
    }
}
