package io.imago.engine;

/**
 * For kill-and-resume tests: {@code IMAGO_FAULT=kill:SNAPSHOT:started} halts the process at that
 * point as abruptly as {@code kill -9} (no shutdown hooks, no cleanup), so a test can prove that
 * the next apply resumes from any step.
 */
final class FaultInjection {
    private FaultInjection() {}

    static void at(StepName step, String when) {
        at(step.name(), when);
    }

    /** @param step a pipeline step's name, or ROLLBACK */
    static void at(String step, String when) {
        String fault = System.getenv("IMAGO_FAULT");
        if (fault != null && fault.equals("kill:" + step + ":" + when)) {
            System.err.println("IMAGO_FAULT: killing imago at " + step + " " + when);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
