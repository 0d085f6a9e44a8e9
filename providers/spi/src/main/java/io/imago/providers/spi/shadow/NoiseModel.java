package io.imago.providers.spi.shadow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What differs by itself, learned as Twitter's Diffy learns it: the same request is sent to two instances of the
 * <em>old</em> universe, and every field on which their answers differ (a timestamp, a request id, the order of a set)
 * is noise for that route. A difference between old and new on such a field is discounted when it is not clearly more
 * frequent than the old universe's own: at least {@link #MIN_NOISE} old pairs differed there, and old and new differed
 * there at most {@link #RATIO} times as often (as shares: of the old pairs, of the compared requests, since only some
 * compared requests also go to a second old instance). A field the old universe never disagrees with itself on always
 * counts.
 * Paths are normalized ({@code $.items[*].id}); memory is bounded per route and in routes.
 */
public final class NoiseModel {
    public static final int MIN_NOISE = 2;
    public static final double RATIO = 3.0;
    static final int MAX_ROUTES = 1000;
    static final int MAX_PATHS = 500;

    /** A field learned as noise on a route: in how many of the route's old pairs it differed. */
    public record Learned(String route, String path, long differed, long pairs) {}

    private static final class Route {
        long pairs;
        final Map<String, Long> differed = new HashMap<>();
    }

    private final Map<String, Route> routes = new HashMap<>();

    /** One old-vs-old pair of answers to the same request, and how they differed. */
    public synchronized void oldPair(String route, Collection<Difference> differences) {
        Route r = routes.get(route);
        if (r == null) {
            if (routes.size() >= MAX_ROUTES) {
                return;
            }
            r = new Route();
            routes.put(route, r);
        }
        r.pairs++;
        Set<String> paths = new LinkedHashSet<>();
        differences.forEach(d -> paths.add(IgnorePaths.normalize(d.path())));
        for (String p : paths) {
            if (r.differed.containsKey(p) || r.differed.size() < MAX_PATHS) {
                r.differed.merge(p, 1L, Long::sum);
            }
        }
    }

    /** How many old pairs of this route differed at this normalized path. */
    public synchronized long noise(String route, String path) {
        Route r = routes.get(route);
        return r == null ? 0 : r.differed.getOrDefault(path, 0L);
    }

    public synchronized long pairs(String route) {
        Route r = routes.get(route);
        return r == null ? 0 : r.pairs;
    }

    /** While comparing, before the old-vs-new counts are known: the old universe differs there by itself. */
    public boolean noisy(String route, String path) {
        return noise(route, path) >= MIN_NOISE;
    }

    /**
     * At the end: whether old and new differing at {@code path} on {@code route} in {@code newDiffered} of
     * {@code compared} requests is explained by the old universe differing there by itself.
     */
    public synchronized boolean discounts(String route, String path, long newDiffered, long compared) {
        Route r = routes.get(route);
        long n = r == null ? 0 : r.differed.getOrDefault(path, 0L);
        return n >= MIN_NOISE && newDiffered * (double) r.pairs <= RATIO * n * Math.max(compared, newDiffered);
    }

    /** Every field learned as noise, most frequent first. */
    public synchronized List<Learned> learned() {
        List<Learned> out = new ArrayList<>();
        routes.forEach((route, r) -> r.differed.forEach((p, n) -> {
            if (n >= MIN_NOISE) {
                out.add(new Learned(route, p, n, r.pairs));
            }
        }));
        out.sort((a, b) -> Long.compare(b.differed(), a.differed()));
        return out;
    }
}
