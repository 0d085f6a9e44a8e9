package io.imago.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.engine.Progress;
import io.imago.engine.Reporter;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Shows the engine's work on stderr as it happens: a line per step, and for long work a progress
 * line with count, rate and ETA (redrawn in place on a terminal, every few seconds otherwise).
 */
final class ConsoleReporter implements Reporter {
    private final PrintStream err;
    private final Output o;
    private final boolean tty;
    private final boolean verbose;
    /** One event per line, unlike the indented result document. */
    private static final ObjectMapper JSON_LINE = new ObjectMapper();
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private long lastPlainProgress;
    private String lastPlainStep = "";
    private boolean progressOnScreen;

    ConsoleReporter(Output o) {
        this.o = o;
        this.err = o.err;
        // Redrawn in place only where a person watches a capable terminal; NO_COLOR and --no-color mean a plain log.
        this.tty = o.live();
        this.verbose = o.opts.verbose;
    }

    @Override
    public synchronized void stepStarted(String step, String description) {
        clearProgress();
        err.println(o.bold("==> " + step) + "  " + description);
    }

    @Override
    public synchronized void stepDone(String step, String detail, Duration took) {
        clearProgress();
        err.println("    " + o.green("done") + String.format(" in %.1fs", took.toMillis() / 1000.0) + (detail == null ? "" : ": " + detail));
    }

    @Override
    public synchronized void stepSkipped(String step, String why) {
        clearProgress();
        err.println(o.dim("==> " + step + "  skipped: " + why));
    }

    @Override
    public synchronized void info(String message) {
        if (verbose || message.startsWith("PASS") || message.startsWith("FAIL") || message.startsWith("  ")) {
            clearProgress();
            err.println("    " + message);
        }
    }

    @Override
    public synchronized void warn(String message) {
        clearProgress();
        err.println("    " + o.yellow("warning: ") + message);
    }

    /**
     * On a terminal the line is redrawn in place; in a log (no terminal) one plain line every few seconds; with
     * {@code --output json}, every reading as one JSON line on stderr (stdout keeps the single result document).
     */
    @Override
    public synchronized void progress(Progress p) {
        if (o.json()) {
            try {
                err.println(JSON_LINE.writeValueAsString(ProgressLine.event(p)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return;
        }
        String line = "    " + ProgressLine.text(p, o.live());
        if (tty) {
            err.print("\r\u001b[2K" + line);
            err.flush();
            progressOnScreen = true;
        } else if (System.nanoTime() - lastPlainProgress > PLAIN_EVERY_NANOS || !p.step().equals(lastPlainStep)) {
            lastPlainProgress = System.nanoTime();
            lastPlainStep = p.step();
            err.println(line);
        }
    }

    private void clearProgress() {
        if (progressOnScreen) {
            err.print("\r\u001b[2K");
            progressOnScreen = false;
        }
    }
}
