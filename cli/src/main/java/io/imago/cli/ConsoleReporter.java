package io.imago.cli;

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
    private long lastPlainProgress;
    private boolean progressOnScreen;

    ConsoleReporter(Output o) {
        this.o = o;
        this.err = o.err;
        this.tty = System.console() != null;
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

    @Override
    public synchronized void progress(String step, String item, long done, long total, Duration elapsed) {
        double secs = Math.max(0.001, elapsed.toMillis() / 1000.0);
        double rate = done / secs;
        StringBuilder line = new StringBuilder("    ").append(item).append(": ").append(String.format("%,d", done));
        if (total > 0) {
            line.append(String.format(" / %,d (%d%%)", total, Math.min(100, done * 100 / total)));
        }
        if (done > 0 && rate >= 1) {
            line.append(String.format(", %,.0f/s", rate));
            if (total > done) {
                line.append(", ETA ").append(formatSeconds((long) ((total - done) / rate)));
            }
        }
        line.append(", ").append(formatSeconds((long) secs)).append(" elapsed");
        if (tty) {
            err.print("\r\u001b[2K" + line);
            err.flush();
            progressOnScreen = true;
        } else if (System.nanoTime() - lastPlainProgress > 5_000_000_000L) {
            lastPlainProgress = System.nanoTime();
            err.println(line);
        }
    }

    private void clearProgress() {
        if (progressOnScreen) {
            err.print("\r\u001b[2K");
            progressOnScreen = false;
        }
    }

    private static String formatSeconds(long s) {
        return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }
}
