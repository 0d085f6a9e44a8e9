package io.imago.providers.local.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.util.List;

/**
 * A rehearsal of a switch's calls (stage, hold with a request held, stretch, flip with release) against a private,
 * silent ingress on loopback, run once beside a new ingress process. The first switch of a fresh ingress otherwise
 * pays, inside its write pause, for loading the classes and linking the call sites those paths use for the first time:
 * measured, the first hold took 10.8 ms in the admin handler and the first release 7.3 ms, where later ones take about
 * 1 ms. The private ingress points at the discard port, where nothing listens: no request leaves the machine's
 * loopback, and nothing of it touches the real ingress's traffic or state.
 */
final class SwitchWarmUp {
    private static final List<String> NOWHERE = List.of("http://127.0.0.1:9");

    private SwitchWarmUp() {
    }

    /** Runs the rehearsal on a daemon thread; a failure only costs the warm-up. */
    static void startBeside() {
        Thread t = new Thread(() -> {
            try {
                rehearse();
            } catch (IOException | RuntimeException e) {
                // the first switch is slower, nothing else
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ingress-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** @return whether a request was held and, after the flip, answered: the whole path ran */
    static boolean rehearse() throws IOException, InterruptedException {
        IngressServer s = IngressServer.startQuiet(IngressServer.Options.loopback(0, 0));
        try {
            IngressClient admin = new IngressClient(s.adminPort(), null);
            admin.stage(NOWHERE);
            admin.pause(Duration.ofSeconds(5), Duration.ofMillis(500));
            Thread held = new Thread(() -> get(s.port()), "ingress-warm-up-request");
            held.setDaemon(true);
            held.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (s.heldRequests() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            boolean wasHeld = s.heldRequests() == 1;
            admin.pause(Duration.ofSeconds(5), Duration.ofMillis(500));
            admin.point(NOWHERE, true);
            held.join(5000);
            return wasHeld && !held.isAlive();
        } finally {
            s.stop();
        }
    }

    private static void get(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/").openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            int status = c.getResponseCode();
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
        } catch (IOException e) {
            // an answer of any kind, or none, ends the rehearsal's request
        }
    }
}
