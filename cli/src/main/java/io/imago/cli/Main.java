package io.imago.cli;

import io.imago.engine.Interruption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@code imago} command. */
public final class Main {
    /** How long Ctrl-C or SIGTERM waits for the running command to stop cleanly before the JVM ends it (as a kill would). */
    private static final long STOP_GRACE_SECONDS = 60;

    private Main() {}

    public static void main(String[] args) {
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(ExitCodes.FAILED);
        // Ctrl-C and SIGTERM: ask the running command to stop at its next checkpoint and wait for it, so that it takes its
        // failure path (before the flip: the old universe left live, unfenced, slot-free; after it: the new one kept).
        // The main thread is not interrupted: an interrupt could break a state write, the flip's record included.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (finished.getCount() == 0) {
                return;
            }
            Interruption.request();
            System.err.println("\nimago: stopping (Ctrl-C or SIGTERM); leaving the live universe as it is");
            try {
                if (finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    // A JVM ended by a signal exits 128 + the signal; the command's own code says more (1: the live
                    // universe is left live), so end with that.
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(exitCode.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "imago-stop"));
        try {
            exitCode.set(Imago.run(System.out, System.err, args));
        } catch (Throwable t) {
            // Imago.run maps every failure it knows; what escapes it (an Error) must still end the command, at once and
            // without the stop message and grace period of a signal.
            System.err.println("imago: internal error: " + t);
            exitCode.set(ExitCodes.FAILED);
        } finally {
            System.out.flush();
            finished.countDown();
        }
        System.exit(exitCode.get());
    }
}
