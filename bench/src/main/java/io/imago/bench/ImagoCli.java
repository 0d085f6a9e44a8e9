package io.imago.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real CLI, run as users run it (its own JVM), with the state in the benchmark's folder. */
final class ImagoCli {
    private final Path repo;
    private final Path work;

    ImagoCli(Path repo, Path work) {
        this.repo = repo;
        this.work = work;
        Path cli = repo.resolve("cli/target/imago-cli.jar");
        Path app = appJar();
        if (!Files.isRegularFile(cli) || !Files.isRegularFile(app)) {
            throw new IllegalStateException("build the CLI and the quickstart app first: mvn -o -q -DskipTests package -pl cli,examples/quickstart/app -am");
        }
    }

    Path appJar() {
        return repo.resolve("examples/quickstart/app/target/shop-app.jar");
    }

    Path state() {
        return work.resolve(".imago");
    }

    /** Copies the quickstart's schema and seed next to the blueprints the benchmark writes. */
    void copyQuickstartFiles() throws java.io.IOException {
        Files.createDirectories(work);
        for (String f : List.of("schema-v1.sql", "seed-v1.sql")) {
            Path to = work.resolve(f);
            if (!Files.exists(to)) {
                Files.copy(repo.resolve("examples/quickstart").resolve(f), to);
            }
        }
    }

    /**
     * Writes a blueprint of the quickstart shop's version 1 (two instances, its schema) into the work folder.
     *
     * @param replaces the universe it replaces, or null
     * @param tail YAML appended after the database's schema line (for instance {@code "  seed: seed-v1.sql"})
     */
    Path quickstartBlueprint(String universe, String replaces, String ingress, int port, String tail) throws java.io.IOException {
        String yml = """
                imago: 1
                universe: %s
                %s
                provider:
                  type: local
                ingress:
                  name: %s
                  type: loadBalancer
                  port: %d
                compute:
                  - name: web
                    count: 2
                    size: small
                    run: ["java", "-jar", "%s"]
                    env:
                      DB_URL: ${database.url}
                      SCHEMA_VERSION: "1"
                    health: { path: /health, timeout: 60s }
                database:
                  engine: postgres
                  version: "15"
                  size: small
                  schema: schema-v1.sql
                %s
                """.formatted(universe, replaces == null ? "" : "replaces: " + replaces, ingress, port, appJar(), tail);
        Path f = work.resolve(universe + ".yml");
        Files.writeString(f, yml);
        return f;
    }

    /** @return what the command printed; throws with its tail when it fails or takes over 6 minutes */
    String run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", repo.resolve("cli/target/imago-cli.jar").toString(),
                "--state", state().toString()));
        cmd.addAll(args);
        Path log = Files.createTempFile(work, "imago", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("IMAGO_LOCAL_PG_FSYNC", "off"); // as the end-to-end tests run it
        Process p = pb.start();
        if (!p.waitFor(6, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("imago " + String.join(" ", args) + " took over 6 minutes; output in " + log);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("imago " + String.join(" ", args) + " failed (exit " + p.exitValue() + "):\n" + Proc.tail(out));
        }
        Files.delete(log);
        return out;
    }
}
