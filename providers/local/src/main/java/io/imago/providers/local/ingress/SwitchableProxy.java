package io.imago.providers.local.ingress;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The public handler: every request reads the current {@link BackendSet} once and stays with it.
 * A switch replaces the whole set in one reference write, so no request sees half a switch.
 */
final class SwitchableProxy implements HttpHandler {
    private final AtomicReference<BackendSet> current;
    private final BackendsFile file;
    /** The set {@link #stage} built for the coming switch (its proxy client too), or null. */
    private BackendSet staged;

    /** @param file where switches are persisted, or null to keep them in memory only */
    SwitchableProxy(BackendSet initial, BackendsFile file) {
        this.current = new AtomicReference<>(initial);
        this.file = file;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        current.get().handleRequest(exchange);
    }

    BackendSet current() {
        return current.get();
    }

    /**
     * Prepares a coming {@link #switchTo} these backends: their set and its proxy are built, and its record written
     * ahead (see {@link BackendsFile#stage}), so that inside the switch's write pause only the reference and a file
     * name change. Changes nothing about where requests go. A no-op when they are the current set.
     */
    synchronized void stage(List<String> backends) throws IOException {
        List<String> urls = BackendSet.normalize(backends);
        BackendSet now = current.get();
        staged = null;
        if (!urls.equals(now.urls())) {
            BackendSet next = BackendSet.of(now.generation() + 1, urls);
            if (file != null) {
                file.stage(urls, next.generation());
            }
            staged = next;
        }
    }

    /**
     * Points at exactly these backends. The new set is persisted before it goes live, so a
     * restarted ingress never points at an older set than the one callers were told about.
     * Pointing at the set already current changes nothing and keeps its generation.
     *
     * @throws IllegalArgumentException for a bad URL
     * @throws IOException when the set could not be persisted (nothing changed then)
     */
    synchronized BackendSet switchTo(List<String> backends) throws IOException {
        List<String> urls = BackendSet.normalize(backends);
        BackendSet now = current.get();
        if (urls.equals(now.urls())) {
            return now;
        }
        BackendSet prepared = staged;
        staged = null;
        BackendSet next = prepared != null && prepared.urls().equals(urls) && prepared.generation() == now.generation() + 1
                ? prepared : BackendSet.of(now.generation() + 1, urls);
        if (file != null) {
            file.write(next.urls(), next.generation());
        }
        current.set(next);
        return next;
    }
}
