package io.imago.bench;

import io.imago.testkit.BulkLoadDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the benchmarks (bulk load, log shipping, switch pause) on this machine, one after the other, and
 * prints the figures and ratios. Every server and universe it starts is stopped at the end, also on failure
 * or Ctrl-C. Usage: see {@link #USAGE}.
 */
public final class Bench {
    private static final String USAGE = """
            usage: bench/run [--rows N] [--parallelism N] [--only bulk,ship,switch,shadow,heap] [--ship-seconds S] [--ship-rate R]
                             [--ship-fast-rate R] [--backlog N] [--switches N] [--no-text] [--contenders LIST] [--repeat N]
                             [--heap-gb G] [--shadow-rate R] [--shadow-sample S] [--shadow-window S] [--shadow-rounds N]
              --rows          total rows of the bulk-load dataset (default 5000000; e.g. 200000 for a smoke run)
              --parallelism   copy workers for Imago, pg_dump -j and pg_restore -j (default 2)
              --ship-seconds  duration of each log-shipping live phase (default 60)
              --ship-rate     changes per second the writer makes while shipping (default 1000)
              --ship-fast-rate  changes per second of the second, faster live phase (default 10000)
              --backlog       changes in the backlog whose apply rate is measured (default 200000: at 50000 a
                              contender's start-up, up to 5 s for native's apply worker, outweighed its rate)
              --switches      apply/switch cycles measured (default 20)
              --no-text       skip Imago's text-only bulk load (the binary-vs-text comparison)
              --contenders    bulk-load contenders to run (default ceiling,dump,restore,imago,text,native; also nofreeze:
                              Imago without COPY FREEZE)
              --repeat        bulk-load rounds; the best run of each contender is compared (default 2)
              --shadow-rate   GET requests per second through the ingress while shadow mirroring is measured (default 300)
              --shadow-sample share of them copied while mirroring (default 0.2)
              --shadow-window seconds per window with and without mirroring (default 10)
              --shadow-rounds pairs of windows (default 6)
              --heap-gb       size of the one table the heap part copies (default 10); that part only runs when
                              --only names it: it needs about 3 x this much disk for a while""";

    /** The same for both servers, hence for every contender: a benchmark machine, not a durable database. */
    static final Map<String, String> SETTINGS = Map.ofEntries(
            Map.entry("fsync", "off"), Map.entry("full_page_writes", "off"), Map.entry("wal_level", "logical"),
            Map.entry("max_wal_size", "8GB"), Map.entry("checkpoint_timeout", "30min"), Map.entry("shared_buffers", "1GB"),
            Map.entry("maintenance_work_mem", "256MB"), Map.entry("max_replication_slots", "20"), Map.entry("max_wal_senders", "20"),
            Map.entry("max_connections", "100"), Map.entry("autovacuum", "off"));

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        long rows = Long.parseLong(opt.getOrDefault("rows", "5000000"));
        int parallelism = Integer.parseInt(opt.getOrDefault("parallelism", "2"));
        Set<String> only = Set.of(opt.getOrDefault("only", "bulk,ship,switch,shadow").split(","));
        Path repo = Path.of(opt.getOrDefault("repo", ".")).toAbsolutePath().normalize();
        Path work = Files.createTempDirectory("imago-bench-");
        work.toFile().setReadable(true, false);
        work.toFile().setExecutable(true, false);

        List<AutoCloseable> cleanup = new ArrayList<>();
        Thread hook = new Thread(() -> closeAll(cleanup, work));
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        try {
            System.out.printf("machine: %d cores, %d MB heap for this JVM, load average %s; PostgreSQL from %s; work dir %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, loadAverage(), PgServer.BIN, work);
            List<String> out = new ArrayList<>();
            if (only.contains("bulk") || only.contains("ship")) {
                PgServer source = PgServer.start("source", work.resolve("pg"), SETTINGS);
                cleanup.add(source);
                PgServer target = PgServer.start("target", work.resolve("pg"), SETTINGS);
                cleanup.add(target);
                System.out.println("servers: " + Proc.run(List.of(PgServer.BIN.resolve("postgres").toString(), "--version")).trim()
                        + ", source on port " + source.port + ", target on port " + target.port + ", settings " + new java.util.TreeMap<>(SETTINGS));
                if (only.contains("bulk")) {
                    System.out.println("\n== bulk load");
                    BulkLoadBench b = new BulkLoadBench(source, target, new BulkLoadDataset(rows), parallelism, work);
                    b.generate();
                    Set<String> contenders = new java.util.HashSet<>(Set.of(opt.getOrDefault("contenders", "ceiling,dump,restore,imago,text,native").split(",")));
                    if (opt.containsKey("no-text")) {
                        contenders.remove("text");
                    }
                    List<Timing> t = b.run(contenders, Integer.parseInt(opt.getOrDefault("repeat", "2")));
                    source.dropDatabase(BulkLoadBench.SOURCE_DB);
                    BulkLoadBench.printRatios(t);
                }
                if (only.contains("ship")) {
                    System.out.println("\n== log shipping");
                    ShipBench s = new ShipBench(source, target, Integer.parseInt(opt.getOrDefault("ship-seconds", "60")),
                            Integer.parseInt(opt.getOrDefault("ship-rate", "1000")), Integer.parseInt(opt.getOrDefault("ship-fast-rate", "10000")),
                            Integer.parseInt(opt.getOrDefault("backlog", "200000")));
                    ShipBench.print(s.run(), Integer.parseInt(opt.getOrDefault("ship-fast-rate", "10000")));
                }
                target.close();
                source.close();
            }
            if (only.contains("heap")) {
                System.out.println("\n== heap while copying one big table");
                // Less WAL kept: this part is about memory, and the table alone fills the disk enough.
                Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
                settings.put("max_wal_size", "1GB");
                PgServer source = PgServer.start("heap-source", work.resolve("pg"), settings);
                cleanup.add(source);
                PgServer target = PgServer.start("heap-target", work.resolve("pg"), settings);
                cleanup.add(target);
                HeapBench.print(new HeapBench(source, target, Double.parseDouble(opt.getOrDefault("heap-gb", "10")), parallelism).run());
                target.close();
                source.close();
            }
            if (only.contains("switch")) {
                System.out.println("\n== switch pause");
                SwitchBench sw = new SwitchBench(repo, work.resolve("switch"), Integer.parseInt(opt.getOrDefault("switches", "20")));
                cleanup.add(sw::destroy);
                SwitchBench.Result r = sw.run();
                sw.destroy();
                SwitchBench.print(r);
            }
            if (only.contains("shadow")) {
                System.out.println("\n== shadow mirroring's cost on users' latency");
                ShadowBench sh = new ShadowBench(repo, work.resolve("shadow"), Integer.parseInt(opt.getOrDefault("shadow-rate", "300")),
                        Double.parseDouble(opt.getOrDefault("shadow-sample", "0.2")), Integer.parseInt(opt.getOrDefault("shadow-window", "10")),
                        Integer.parseInt(opt.getOrDefault("shadow-rounds", "6")));
                cleanup.add(sh::destroy);
                ShadowBench.Result r = sh.run();
                sh.destroy();
                ShadowBench.print(r);
            }
            System.out.printf("%nall done in %.0f s; load average %s%n", (System.nanoTime() - t0) / 1e9, loadAverage());
        } finally {
            closeAll(cleanup, work);
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /** The machine's load average (1, 5, 15 minutes): other work on it skews every figure. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** Stops servers and universes, newest first, then removes the work folder. Idempotent. */
    private static synchronized void closeAll(List<AutoCloseable> cleanup, Path work) {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
        cleanup.clear();
        try {
            Proc.run(List.of("rm", "-rf", work.toString()));
        } catch (Exception e) {
            System.err.println("could not remove " + work + ": " + e.getMessage());
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
            }
            String key = a.substring(2);
            if (key.equals("no-text")) {
                m.put(key, "true");
            } else if (i + 1 < args.length) {
                m.put(key, args[++i]);
            } else {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
        }
        return m;
    }
}
