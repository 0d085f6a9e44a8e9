package io.imago.providers.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Work run beside the caller's, on a daemon thread of its own (not a shared pool, where it could queue behind other work),
 * and joined with the exception it threw as it threw it. For the few places where two slow, independent steps overlap:
 * renting a database and an ingress, making a certificate while initdb runs.
 */
public final class SideTask<T> {
    private final CompletableFuture<T> future;

    private SideTask(CompletableFuture<T> future) {
        this.future = future;
    }

    /** Starts {@code work} now on a thread named {@code name}. */
    public static <T> SideTask<T> start(String name, Supplier<T> work) {
        return new SideTask<>(CompletableFuture.supplyAsync(work, task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        }));
    }

    /** Waits for the result; the work's own unchecked exception or error is rethrown unwrapped. */
    public T join() {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Waits for the work to end, whatever its outcome: nothing is left running behind a failure the caller reports. */
    public void awaitQuietly() {
        future.exceptionally(t -> null).join();
    }
}
