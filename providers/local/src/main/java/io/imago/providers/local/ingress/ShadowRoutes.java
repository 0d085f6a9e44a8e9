package io.imago.providers.local.ingress;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes, as the shadow report groups requests: the method and the path with its ids written {@code {id}}
 * ({@code GET /api/customers/{id}}), the query left out; and the writes seen through the ingress, by route, so that a
 * mismatch on data that was being written can be told from a defect.
 */
final class ShadowRoutes {
    private static final int MAX_WRITE_ROUTES = 10_000;
    private final Map<String, Long> lastWriteNanos = new ConcurrentHashMap<>();

    /** {@code /api/customers/17?x=1} becomes {@code /api/customers/{id}}. */
    static String path(String uri) {
        int q = uri.indexOf('?');
        String p = q >= 0 ? uri.substring(0, q) : uri;
        StringBuilder out = new StringBuilder();
        for (String seg : p.split("/", -1)) {
            if (out.length() > 0 || !seg.isEmpty()) {
                out.append('/');
            }
            out.append(isId(seg) ? "{id}" : seg);
        }
        String s = out.toString();
        return s.isEmpty() ? "/" : s.startsWith("/") ? s : "/" + s;
    }

    static String route(String method, String uri) {
        return method + " " + path(uri);
    }

    static boolean isId(String seg) {
        if (seg.isEmpty()) {
            return false;
        }
        if (seg.chars().allMatch(Character::isDigit)) {
            return true;
        }
        if (seg.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            return true;
        }
        return seg.length() >= 16 && seg.matches("[0-9a-fA-F]+") || seg.length() >= 24 && seg.matches("[A-Za-z0-9_-]+")
                && seg.chars().anyMatch(Character::isDigit);
    }

    /** The collection a path writes or reads: its path without the trailing ids ({@code /api/customers}). */
    static String collection(String uri) {
        String p = path(uri);
        while (p.endsWith("/{id}")) {
            p = p.substring(0, p.length() - "/{id}".length());
        }
        return p.isEmpty() ? "/" : p;
    }

    /** A write (any method but GET, HEAD, OPTIONS) went through the ingress on this path, now. */
    void wrote(String uri, long nanos) {
        if (lastWriteNanos.size() >= MAX_WRITE_ROUTES) {
            lastWriteNanos.clear();
        }
        lastWriteNanos.put(collection(uri), nanos);
    }

    /**
     * Whether a write to the collection of {@code uri}, or to one inside or around it, went through since
     * {@code sinceNanos}: the data behind the answer was changing.
     */
    boolean writtenSince(String uri, long sinceNanos) {
        String c = collection(uri);
        for (Map.Entry<String, Long> e : lastWriteNanos.entrySet()) {
            if (e.getValue() - sinceNanos >= 0 && related(c, e.getKey())) {
                return true;
            }
        }
        return false;
    }

    private static boolean related(String a, String b) {
        return a.equals(b) || a.startsWith(b.endsWith("/") ? b : b + "/") || b.startsWith(a.endsWith("/") ? a : a + "/");
    }
}
