package io.imago.engine;

/**
 * For fault tests, at named points of the pipeline ({@code STEP:started}, {@code STEP:done}, and inside
 * the switch {@code SWITCHOVER:drained}, {@code SWITCHOVER:fenced}, {@code SWITCHOVER:flipped}):
 * <ul>
 *   <li>{@code IMAGO_FAULT=kill:SNAPSHOT:started} halts the process there as abruptly as {@code kill -9}
 *       (no shutdown hooks, no cleanup), so a test can prove that the next apply resumes;</li>
 *   <li>{@code IMAGO_FAULT=throw:SWITCHOVER:flipped} throws there, as a failing call would, so a test can
 *       prove what the failure policy does with an error at that instant.</li>
 * </ul>
 * <ul>
 *   <li>{@code IMAGO_FAULT=pause:SWITCHOVER:flipped} creates the file named by {@code IMAGO_FAULT_FILE} there and waits
 *       until the test deletes it (at most 5 minutes), so a test can do something to a server at that instant
 *       (freeze it, restart it).</li>
 * </ul>
 * Kills at random instants, not at these points, come from outside (the kill campaign in {@code it/}).
 */
final class FaultInjection {
    /** A pause happens once per process: a point reached again (the next table of a copy) goes on. */
    private static final java.util.Set<String> PAUSED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private FaultInjection() {}

    static void at(StepName step, String when) {
        at(step.name(), when);
    }

    /** @param step a pipeline step's name, or ROLLBACK */
    static void at(String step, String when) {
        String fault = System.getenv("IMAGO_FAULT");
        if (fault == null) {
            return;
        }
        String point = step + ":" + when;
        if (fault.equals("kill:" + point)) {
            System.err.println("IMAGO_FAULT: killing imago at " + point);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        if (fault.equals("throw:" + point)) {
            throw new IllegalStateException("injected fault at " + point + " (IMAGO_FAULT)");
        }
        if (fault.equals("pause:" + point) && PAUSED.add(point)) {
            pauseUntilReleased(point);
        }
    }

    private static void pauseUntilReleased(String point) {
        java.nio.file.Path marker = java.nio.file.Path.of(System.getenv("IMAGO_FAULT_FILE"));
        try {
            java.nio.file.Files.writeString(marker, point);
            long deadline = System.nanoTime() + java.time.Duration.ofMinutes(5).toNanos();
            while (java.nio.file.Files.exists(marker) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
