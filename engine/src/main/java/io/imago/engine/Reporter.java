package io.imago.engine;

import java.time.Duration;

/** Where the engine tells what it does; the CLI renders it (text with progress, or JSON). */
public interface Reporter {
    void stepStarted(String step, String description);

    void stepDone(String step, String detail, Duration took);

    void stepSkipped(String step, String why);

    void info(String message);

    void warn(String message);

    /** Long work: how far it got, for a progress bar with rate and ETA (called at most every half second or so). */
    void progress(Progress p);

    Reporter SILENT = new Reporter() {
        public void stepStarted(String step, String description) {}
        public void stepDone(String step, String detail, Duration took) {}
        public void stepSkipped(String step, String why) {}
        public void info(String message) {}
        public void warn(String message) {}
        public void progress(Progress p) {}
    };
}
