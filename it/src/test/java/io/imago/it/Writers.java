package io.imago.it;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** Writers that run while imago works: one through the ingress (as users), one straight to a database (bypassing it). */
final class Writers {
    private Writers() {}

    /** Creates customers through the ingress; every answer must be a 201, and each customer must land once. */
    static final class ThroughIngress implements AutoCloseable {
        final Set<Long> created = ConcurrentHashMap.newKeySet();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        ThroughIngress(Quickstart qs, String tag) {
            thread = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    i++;
                    try {
                        HttpResponse<String> r = qs.post("/api/customers", "{\"name\":\"" + tag + " " + i + "\",\"email\":\"w" + i + "@" + tag + ".test\"}");
                        if (r.statusCode() == 201) {
                            created.add(Quickstart.JSON.readTree(r.body()).get("id").asLong());
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                        Thread.sleep(40);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }, "ingress-writer");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    /**
     * Inserts orders straight into a database as the application's role, as a pool or a forgotten instance would,
     * bypassing the ingress. Records each insert the database acknowledged (an autocommit INSERT that returned);
     * refusals (the write fence), timeouts and broken connections are expected and only counted.
     */
    static final class Bypassing implements AutoCloseable {
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        volatile int refused;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Bypassing(String jdbcUrl, String password, String table) {
            thread = new Thread(() -> {
                Connection c = null;
                while (!stop.get()) {
                    try {
                        if (c == null || c.isClosed()) {
                            Properties p = new Properties();
                            p.setProperty("user", "app");
                            p.setProperty("password", password);
                            p.setProperty("connectTimeout", "3");
                            p.setProperty("loginTimeout", "5");
                            p.setProperty("socketTimeout", "5");
                            c = DriverManager.getConnection(jdbcUrl, p);
                        }
                        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                                "INSERT INTO " + table + " (customer_id, amount_cents, status) VALUES (1, 4242, 'bypass') RETURNING id")) {
                            rs.next();
                            acknowledged.add(rs.getLong(1));
                        }
                        Thread.sleep(25);
                    } catch (InterruptedException e) {
                        return;
                    } catch (SQLException e) {
                        refused++;
                        try {
                            if (c != null) {
                                c.close();
                            }
                        } catch (SQLException ignored) {
                            // reconnect next time round
                        }
                        c = null;
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // done
                }
            }, "bypassing-writer");
            thread.start();
        }

        static Bypassing on(Quickstart qs, String universe, String table) throws Exception {
            java.net.URI url = java.net.URI.create(qs.universe(universe).get("database").get("url").asText());
            String password = Quickstart.JSON.readTree(qs.dir.resolve(".imago/providers/local/_secrets/" + universe + ".json").toFile())
                    .get("app").asText();
            return new Bypassing("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath(), password, table);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    /** The ids of a table that are missing from {@code expected}, for "every acknowledged write is there". */
    static Set<Long> missing(Connection c, String table, Set<Long> expected) throws SQLException {
        Set<Long> have = new TreeSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM " + table)) {
            while (rs.next()) {
                have.add(rs.getLong(1));
            }
        }
        Set<Long> out = new TreeSet<>(expected);
        out.removeAll(have);
        return out;
    }
}
