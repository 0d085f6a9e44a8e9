package io.imago.quickstart.shop;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP API, the same in both versions:
 *
 * <pre>
 * GET  /health                  200 {"status":"ok","version":N,"universe":U} when the database answers, else 503
 * GET  /api/customers           [{"id":1,"name":...,"email":...}, ...]   (v2 adds "email_domain")
 * GET  /api/customers/{id}      one customer, 404 if none, with "servedAt" (when this answer was made: it differs
 *                               between any two answers, the field a comparison of answers learns to leave out)
 * POST /api/customers           body {"name":...,"email":...}: 201 with the new customer
 * GET  /api/orders?customer=ID  that customer's orders, every status
 * GET  /api/stats               counts
 * </pre>
 *
 * Every answer carries {@code X-Universe}.
 */
final class Api implements HttpHandler {
    static final int MAX_BODY = 64 * 1024;

    /** An answer other than 2xx, with a message for the client. */
    static final class Failure extends Exception {
        final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private record Response(int status, Object body) {}

    private final Shop shop;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final String universe;
    private final Defect defect;

    Api(Shop shop, String universe) {
        this(shop, universe, Defect.NONE);
    }

    Api(Shop shop, String universe, Defect defect) {
        this.shop = shop;
        this.universe = universe;
        this.defect = defect;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        inFlight.incrementAndGet();
        try (ex) {
            Response r;
            try {
                r = route(ex);
            } catch (Failure f) {
                r = new Response(f.status, Map.of("error", f.getMessage()));
            } catch (SQLException e) {
                r = database(e);
            } catch (RuntimeException e) {
                log("error on " + ex.getRequestMethod() + " " + ex.getRequestURI() + ": " + e);
                r = new Response(500, Map.of("error", "internal error"));
            }
            send(ex, r);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Waits until no request is being answered, at most {@code maxMillis}; true if none is. */
    boolean awaitIdle(long maxMillis) throws InterruptedException {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return inFlight.get() == 0;
    }

    private Response route(HttpExchange ex) throws Failure, SQLException, IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        if (path.equals("/health")) {
            allow(method, "GET");
            Map<String, Object> m = new LinkedHashMap<>();
            boolean ok = shop.healthy();
            m.put("status", ok ? "ok" : "database unavailable");
            m.put("version", shop.version());
            m.put("universe", universe);
            return new Response(ok ? 200 : 503, m);
        }
        if (path.equals("/api/customers") || path.equals("/api/customers/")) {
            if (method.equals("POST")) {
                return create(ex);
            }
            allow(method, "GET");
            return new Response(200, shop.customers());
        }
        if (path.startsWith("/api/customers/")) {
            allow(method, "GET");
            long id = id(path.substring("/api/customers/".length()), "customer id");
            return shop.customer(id).map(c -> new Response(200, served(defect.customer(c))))
                    .orElseThrow(() -> new Failure(404, "no customer " + id));
        }
        if (path.equals("/api/orders")) {
            allow(method, "GET");
            String customer = queryParam(ex, "customer");
            if (customer == null) {
                throw new Failure(400, "say which customer: /api/orders?customer=ID");
            }
            return new Response(200, shop.orders(id(customer, "customer")));
        }
        if (path.equals("/api/stats")) {
            allow(method, "GET");
            return new Response(200, shop.stats());
        }
        throw new Failure(404, "no such path: " + path);
    }

    private static Map<String, Object> served(Map<String, Object> answer) {
        Map<String, Object> m = new LinkedHashMap<>(answer);
        m.put("servedAt", Instant.now().toString());
        return m;
    }

    private Response create(HttpExchange ex) throws Failure, SQLException, IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new Failure(413, "body larger than " + MAX_BODY + " bytes");
        }
        Object parsed;
        try {
            parsed = Json.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new Failure(400, e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> body)) {
            throw new Failure(400, "the body must be a JSON object {\"name\":...,\"email\":...}");
        }
        String name = text(body.get("name"), "name", 200);
        String email = text(body.get("email"), "email", 320);
        int at = email.indexOf('@');
        if (at <= 0 || at != email.lastIndexOf('@') || at == email.length() - 1) {
            throw new Failure(400, "email must look like user@domain");
        }
        Map<String, Object> created = shop.createCustomer(name, email);
        ex.getResponseHeaders().set("Location", "/api/customers/" + created.get("id"));
        return new Response(201, created);
    }

    private static String text(Object v, String field, int max) throws Failure {
        if (!(v instanceof String s) || s.isBlank()) {
            throw new Failure(400, "'" + field + "' must be a non-empty string");
        }
        String t = s.strip();
        if (t.length() > max) {
            throw new Failure(400, "'" + field + "' is longer than " + max + " characters");
        }
        return t;
    }

    private static long id(String s, String what) throws Failure {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new Failure(s.contains("/") ? 404 : 400, "the " + what + " must be a number, got: " + s);
        }
        return Long.parseLong(s);
    }

    private static void allow(String method, String allowed) throws Failure {
        if (!method.equals(allowed)) {
            throw new Failure(405, "use " + allowed);
        }
    }

    private static String queryParam(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq >= 0 ? pair.substring(0, eq) : pair, StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq >= 0 ? URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8) : "";
            }
        }
        return null;
    }

    /** Connection trouble is 503 (try again), a refused change 409, anything else 500. */
    private static Response database(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        log("database error " + state + ": " + e.getMessage());
        if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
            return new Response(503, Map.of("error", "database unavailable, try again"));
        }
        if (state.startsWith("23")) {
            return new Response(409, Map.of("error", "refused by the database (" + state + ")"));
        }
        return new Response(500, Map.of("error", "database error (" + state + ")"));
    }

    private void send(HttpExchange ex, Response r) throws IOException {
        byte[] bytes = (Json.write(r.body()) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("X-Universe", universe);
        if (r.status() == 405) {
            ex.getResponseHeaders().set("Allow", ex.getRequestURI().getPath().equals("/api/customers") ? "GET, POST" : "GET");
        }
        ex.sendResponseHeaders(r.status(), bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void log(String message) {
        System.err.println(Instant.now() + " shop: " + message);
    }
}
