package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.imago.providers.local.FreePorts;
import io.imago.testkit.BulkLoadDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan}'s duration forecast against what {@code apply} then takes, on the bulk-load benchmark's dataset
 * (customers, orders, events; customers.name renamed and email_domain added). A first, smaller upgrade in the same state
 * folder calibrates the local provider, as a team's earlier applies would; the forecast of the second, bigger one must
 * come within 25 % of its actual total ({@code plan --calibrate} also times a sample of the source). {@code -Dimago.forecast.rows=5000000} runs it at the benchmark's full size.
 *
 * <p>A miss is measured once more, from a fresh state folder. This 2-core machine shares its host, which took up to 30 %
 * of its CPU (steal) in some seconds, and the same 1,000,000-row upgrade took 16.5 to 22.9 s from one run to the next:
 * a forecast from one earlier apply cannot know what the host will take during the next, and runs here missed by that
 * alone, both ways (ratios 0.82 and 1.35 on the same build). A model that is wrong misses both times.
 */
class ForecastAccuracyIT {
    private static final long CALIBRATION_ROWS = 250_000;
    private static final long ROWS = Long.getLong("imago.forecast.rows", 1_000_000);
    private static final double TOLERANCE = 0.25;
    private static final int ATTEMPTS = 2;

    @TempDir Path dir;
    private final int port = FreePorts.pick();
    private final List<Path> attempts = new ArrayList<>();

    @AfterEach
    void destroy() {
        attempts.forEach(ForecastAccuracyIT::destroyAll);
        assertEquals(List.of(), Leaks.processesUnder(dir), "processes left behind");
    }

    @Test
    void theForecastOfABulkLoadUpgradeComesWithin25PercentOfItsActualTime() throws IOException {
        List<String> misses = new ArrayList<>();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path work = Files.createDirectories(dir.resolve("attempt-" + attempt));
            attempts.add(work);
            Measured m = measure(work);
            System.out.println("attempt " + attempt + ": " + m.report());
            if (Math.abs(m.forecast() - m.actual()) <= TOLERANCE * m.actual()) {
                return;
            }
            misses.add("attempt " + attempt + ": " + m.report());
            destroyAll(work);
        }
        fail("forecast off by more than 25 % in " + ATTEMPTS + " attempts, each from a fresh state:\n" + String.join("\n\n", misses));
    }

    /** What one attempt forecast and took, in seconds, with the report that explains both. */
    private record Measured(double forecast, double actual, String report) {}

    private Measured measure(Path work) throws IOException {
        writeSchemas(work);
        upgrade(work, "a", CALIBRATION_ROWS); // calibrates: apply records what it measured
        assertEquals(0, Cli.run(work, "destroy", "bulk-a2", "--yes").code());

        Path v1 = blueprint(work, "b", 1, ROWS);
        Path v2 = blueprint(work, "b", 2, ROWS);
        ok(Cli.run(work, "apply", "--yes", v1.toString()));
        Cli.Result plan = ok(Cli.run(work, "plan", "--calibrate", "--output", "json", v2.toString()));
        JsonNode duration = Quickstart.JSON.readTree(plan.out()).get("duration");
        String snapshot = assumed(duration, "SNAPSHOT");
        String validate = assumed(duration, "VALIDATE");
        assertTrue(snapshot.contains("(--calibrate)"), "the source's sample was read and timed: " + snapshot);
        double forecast = duration.get("seconds").asDouble();

        long[] cpu0 = HostSteal.read();
        long t0 = System.nanoTime();
        ok(Cli.run(work, "apply", "--yes", v2.toString()));
        double wall = (System.nanoTime() - t0) / 1e9;
        String steal = HostSteal.since(cpu0);

        JsonNode timings = universe(work, "bulk-b2").get("timings");
        double actual = 0;
        List<String> lines = new ArrayList<>();
        for (JsonNode t : timings) {
            actual += t.path("actualSeconds").asDouble();
            lines.add(String.format(Locale.ROOT, "%-10s forecast %7.1f s  actual %7.1f s", t.get("step").asText(),
                    t.path("forecastSeconds").asDouble(), t.path("actualSeconds").asDouble()));
        }
        // The forecast is of the steps. Apply's wall time adds about 3 s here that no step holds (the CLI's JVM start, the
        // plan, reading the old universe's catalog), printed but not held to the bound.
        String report = String.format(Locale.ROOT, "%,d rows: forecast %.1f s, steps took %.1f s (apply's wall time %.1f s; %s), ratio %.2f%n%s%n"
                + "SNAPSHOT assumed: %s%nVALIDATE assumed: %s", ROWS, forecast, actual, wall, steal, forecast / actual, String.join("\n", lines),
                snapshot, validate);
        return new Measured(forecast, actual, report);
    }

    private static void destroyAll(Path work) {
        for (String u : List.of("bulk-b2", "bulk-b1", "bulk-a2", "bulk-a1")) {
            Cli.run(work, "destroy", u, "--yes");
        }
    }

    /** Creates {@code bulk-<pair>1} with {@code rows} rows and upgrades it to {@code bulk-<pair>2}. */
    private void upgrade(Path work, String pair, long rows) throws IOException {
        ok(Cli.run(work, "apply", "--yes", blueprint(work, pair, 1, rows).toString(), blueprint(work, pair, 2, rows).toString()));
    }

    private static void writeSchemas(Path work) throws IOException {
        for (int version : new int[] {1, 2}) {
            List<String> sql = new ArrayList<>(BulkLoadDataset.tables(version == 2, false));
            sql.addAll(BulkLoadDataset.indexes());
            Files.writeString(work.resolve("schema-v" + version + ".sql"), String.join(";\n", sql) + ";\n");
        }
    }

    /** Version 1 creates the dataset from its seed; version 2 replaces it, converting customers on the way. */
    private Path blueprint(Path work, String pair, int version, long rows) throws IOException {
        String universe = "bulk-" + pair + version;
        StringBuilder y = new StringBuilder();
        y.append("imago: 1\nuniverse: ").append(universe).append('\n');
        if (version == 2) {
            y.append("replaces: bulk-").append(pair).append("1\n");
        }
        y.append("provider: { type: local }\n")
                .append("ingress: { name: bulk, type: loadBalancer, port: ").append(port).append(" }\n")
                .append("compute:\n  - name: web\n    count: 1\n    size: small\n")
                .append("    run: [\"java\", \"-jar\", \"").append(Quickstart.SOURCE.resolve("app/target/shop-app.jar")).append("\"]\n")
                .append("    env: { DB_URL: \"${database.url}\", SCHEMA_VERSION: \"1\" }\n")
                .append("    health: { path: /health, timeout: 60s }\n")
                .append("database:\n  engine: postgres\n  version: \"15\"\n  size: small\n  schema: schema-v").append(version).append(".sql\n");
        if (version == 1) {
            String seed = "seed-" + pair + ".sql";
            List<String> script = new ArrayList<>(new BulkLoadDataset(rows).sourceScript());
            script.removeIf(s -> !s.startsWith("INSERT")); // the schema file made the tables and indexes
            script.add("ANALYZE");
            Files.writeString(work.resolve(seed), String.join(";\n", script) + ";\n");
            y.append("  seed: ").append(seed).append('\n');
        } else {
            y.append("migration:\n  snapshot: { parallelism: 2 }\n  transforms:\n")
                    .append("    - table: customers\n      renameColumns: { name: full_name }\n")
                    .append("      addColumns: { email_domain: \"split_part(email, '@', 2)\" }\n")
                    .append("validate:\n  - rowCounts: true\n  - checksums: [orders]\n  - http: { path: /health, expect: 200 }\n")
                    .append("teardown: { keepOld: 0 }\n");
        }
        Path file = work.resolve(universe + ".yml");
        Files.writeString(file, y.toString());
        return file;
    }

    private static String assumed(JsonNode duration, String step) {
        for (JsonNode s : duration.get("steps")) {
            if (s.get("step").asText().equals(step)) {
                return s.get("assumed").asText();
            }
        }
        throw new AssertionError("no " + step + " in the forecast: " + duration);
    }

    private static JsonNode universe(Path work, String name) throws IOException {
        JsonNode status = Quickstart.JSON.readTree(ok(Cli.run(work, "status", "--output", "json")).out());
        for (JsonNode u : status.get("universes")) {
            if (u.get("name").asText().equals(name)) {
                return u;
            }
        }
        throw new AssertionError(name + " is not in the state: " + status);
    }

    private static Cli.Result ok(Cli.Result r) {
        assertEquals(0, r.code(), r::toString);
        return r;
    }
}
