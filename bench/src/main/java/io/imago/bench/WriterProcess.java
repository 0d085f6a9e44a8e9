package io.imago.bench;

import io.imago.migration.PgEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The log-shipping benchmark's writers ({@link ChangeWriter}) in a process of their own, in a session of its own
 * ({@code setsid}), as an application runs apart from the tool migrating its database. Linux's autogroup scheduling
 * shares the CPU fairly between sessions, not threads, and every PostgreSQL process (native's apply worker among them)
 * runs in a session of its own. With the writers in the benchmark's JVM, Imago's shipper thread shared one session's
 * share with four writer threads: whenever they fell behind and ran flat out to catch up, it got a fifth of a share.
 * Measured on 3 Dec 2026 (2 cores, autogroup on), Imago's lag p99 at 10,000 changes/s read 213–1,629 ms in seven runs of
 * eight (25 ms in one); with autogroup switched off, 15–39 ms in four of four (native: 4–8 ms). Here both contenders'
 * processes are scheduled alike; the writers, in one session, are short of CPU when the machine is full, for both.
 *
 * <p>The child runs until a line (or the end) arrives on its standard input, then prints one line:
 * {@code written N behind M seconds S} (or {@code failed <message>}).
 */
final class WriterProcess implements AutoCloseable {
    private final Process process;

    /** What the writers did, in how long (from their start to their stop). */
    record Outcome(long written, long behind, double seconds) {
    }

    private WriterProcess(Process process) {
        this.process = process;
    }

    /** Starts {@code writers} writers sharing {@code perSecond} changes a second on the source's {@code ticks}. */
    static WriterProcess start(int port, String database, int perSecond, long firstLiveId, long firstFreeId, int writers) throws IOException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // a session of its own: see the class comment
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), WriterProcess.class.getName(),
                Integer.toString(port), database, Integer.toString(perSecond), Long.toString(firstLiveId), Long.toString(firstFreeId),
                Integer.toString(writers)));
        return new WriterProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** Stops the writers and reads what they did. */
    Outcome stop() throws IOException, InterruptedException {
        try (OutputStream in = process.getOutputStream()) {
            in.write('\n');
        }
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            line = out.readLine();
        }
        process.waitFor();
        if (line == null || !line.startsWith("written ")) {
            throw new IllegalStateException("the writer process failed: " + line);
        }
        String[] f = line.split(" ");
        return new Outcome(Long.parseLong(f[1]), Long.parseLong(f[3]), Double.parseDouble(f[5]));
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    public static void main(String[] args) throws Exception {
        PgEndpoint source = new PgEndpoint("127.0.0.1", Integer.parseInt(args[0]), args[1], "postgres", null);
        int perSecond = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[5]);
        List<ChangeWriter> writers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ChangeWriter w = new ChangeWriter(source, perSecond / n, Long.parseLong(args[3]), Long.parseLong(args[4]), i, n);
            writers.add(w);
            threads.add(new Thread(w, "bench-writer-" + i));
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        System.in.read(); // a line, or the end: the parent is done (or gone)
        writers.forEach(ChangeWriter::stop);
        for (Thread t : threads) {
            t.join();
        }
        long written = 0;
        long behind = 0;
        for (ChangeWriter w : writers) {
            if (w.failure() != null) {
                System.out.println("failed " + w.failure());
                System.exit(1);
            }
            written += w.written.get();
            behind += w.behind.get();
        }
        System.out.println("written " + written + " behind " + behind + " seconds " + (System.nanoTime() - t0) / 1e9);
    }
}
