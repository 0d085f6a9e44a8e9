package io.imago.bench;

import io.imago.testkit.OpenLoopReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What shadow mirroring costs the users: two quickstart universes started through the real CLI, each with its own
 * database and instances (the "old" one behind the ingress users reach, the "new" one as the candidate). A reader sends
 * GETs through the old ingress at a fixed rate while mirroring is switched on and off in alternating windows (off/on,
 * then on/off, so drift over the run falls on both sides alike); the users' latency in the windows with mirroring is
 * compared with the windows without.
 */
final class ShadowBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern URL = Pattern.compile("\"(http://127\\.0\\.0\\.1:\\d+)\"");

    record Result(int rate, double sample, List<Double> withoutMs, List<Double> withMs, long requests, long failed, long compared,
            long dropped, long mismatches, double mirroringSeconds) {
    }

    private final ImagoCli cli;
    private final Path work;
    private final int rate;
    private final double sample;
    private final int windowSeconds;
    private final int rounds;
    private final List<String> live = Collections.synchronizedList(new ArrayList<>());

    ShadowBench(Path repo, Path work, int rate, double sample, int windowSeconds, int rounds) throws IOException {
        this.work = work;
        this.cli = new ImagoCli(repo, work);
        this.rate = rate;
        this.sample = sample;
        this.windowSeconds = windowSeconds;
        this.rounds = rounds;
    }

    Result run() throws Exception {
        cli.copyQuickstartFiles();
        int oldPort = PgServer.freePort();
        apply("shadow-old", "benchold", oldPort);
        apply("shadow-new", "benchnew", PgServer.freePort());
        Admin old = Admin.of(cli.state(), "benchold");
        List<String> candidates = Admin.of(cli.state(), "benchnew").backends();
        System.out.printf("  old universe behind 127.0.0.1:%d (%s); candidates %s%n", oldPort, old.backends(), candidates);

        List<long[]> on = new ArrayList<>();
        List<long[]> off = new ArrayList<>();
        long compared = 0;
        long dropped = 0;
        long mismatches = 0;
        OpenLoopReader reader = new OpenLoopReader(oldPort, rate);
        try {
            Thread.sleep(5_000); // JIT and connection pools warm up; not counted
            int window = 0;
            for (int r = 0; r < rounds; r++) {
                for (boolean mirroring : r % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    long from = System.currentTimeMillis();
                    if (mirroring) {
                        old.call("POST", "/shadow", "{\"candidates\":" + json(candidates) + ",\"sample\":" + sample + ",\"durationMs\":"
                                + (windowSeconds * 1000L + 5_000) + "}");
                    }
                    Thread.sleep(windowSeconds * 1000L);
                    long to = System.currentTimeMillis() - 1;
                    if (mirroring) {
                        String res = old.call("DELETE", "/shadow", null);
                        compared += count(res, "compared");
                        dropped += count(res, "dropped");
                        mismatches += count(res, "mismatches");
                        on.add(new long[] {from, to});
                    } else {
                        off.add(new long[] {from, to});
                    }
                    System.out.printf("  window %d/%d %s mirroring: %d requests so far, %d failed%n", ++window, 2 * rounds,
                            mirroring ? "with" : "without", reader.requests(), reader.failures().size());
                }
            }
        } finally {
            reader.stop();
        }
        return new Result(rate, sample, within(reader, off), within(reader, on), reader.requests(), reader.failures().size(), compared,
                dropped, mismatches, on.size() * (double) windowSeconds);
    }

    /** Destroys both universes; safe to call more than once. */
    void destroy() {
        for (String u : List.copyOf(live)) {
            try {
                cli.run(List.of("destroy", u, "--yes"));
            } catch (Exception e) {
                System.err.println("could not destroy " + u + " (state in " + cli.state() + "): " + e.getMessage());
            }
            live.remove(u);
        }
    }

    private void apply(String universe, String ingress, int port) throws Exception {
        Path f = cli.quickstartBlueprint(universe, null, ingress, port, "  seed: seed-v1.sql");
        live.add(universe);
        cli.run(List.of("apply", "--yes", f.toString()));
    }

    private static List<Double> within(OpenLoopReader reader, List<long[]> windows) {
        List<Double> out = new ArrayList<>();
        windows.forEach(w -> out.addAll(reader.latencies(w[0], w[1])));
        return out;
    }

    private static long count(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json); // the first is the totals' (counts come first)
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String json(List<String> xs) {
        return xs.stream().map(x -> "\"" + x + "\"").collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    static void print(Result r) {
        Percentiles without = Percentiles.of(r.withoutMs());
        Percentiles with = Percentiles.of(r.withMs());
        System.out.println();
        System.out.printf("Shadow mirroring at %d req/s, sample %.2f: users' latency without p50 %.2f ms, p99 %.2f ms (%d requests); "
                + "with p50 %.2f ms, p99 %.2f ms (%d requests)%n", r.rate(), r.sample(), without.p50(), without.p99(), without.count(),
                with.p50(), with.p99(), with.count());
        System.out.printf("  mirroring adds p50 %+.2f ms, p99 %+.2f ms (with / without: p50 %s, p99 %s)%n", with.p50() - without.p50(),
                with.p99() - without.p99(), Percentiles.ratio(with.p50(), without.p50()), Percentiles.ratio(with.p99(), without.p99()));
        System.out.printf("  compared %,d requests (%.1f/s while mirroring), %d copies dropped, %d mismatches; reader: %,d requests, %d failed%n",
                r.compared(), r.compared() / Math.max(1, r.mirroringSeconds()), r.dropped(), r.mismatches(), r.requests(), r.failed());
    }

    /** The admin endpoint of a local ingress, found where the local provider keeps it. */
    private record Admin(int port, String token) {
        static Admin of(Path state, String ingress) throws IOException {
            Path dir = state.resolve("providers/local/_ingress/ingress").resolve(ingress);
            Matcher m = Pattern.compile("\"admin\"\\s*:\\s*(\\d+)").matcher(Files.readString(dir.resolve("ports.json")));
            if (!m.find()) {
                throw new IllegalStateException("no admin port in " + dir.resolve("ports.json"));
            }
            return new Admin(Integer.parseInt(m.group(1)), Files.readString(dir.resolve("admin-token")).trim());
        }

        List<String> backends() throws IOException, InterruptedException {
            List<String> urls = new ArrayList<>();
            Matcher m = URL.matcher(call("GET", "/backends", null));
            while (m.find()) {
                urls.add(m.group(1));
            }
            return urls;
        }

        String call(String method, String path, String body) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        }
    }
}
