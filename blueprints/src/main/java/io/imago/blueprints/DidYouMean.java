package io.imago.blueprints;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Suggests the known name a user most likely meant, like Terraform's {@code didyoumean}.
 * Case is ignored ({@code maxlag} is surely {@code maxLag}) and a swap of two neighbouring
 * letters counts as one edit, because those are the typos people make.
 */
public final class DidYouMean {
    private DidYouMean() {}

    /**
     * The closest of {@code known} to {@code given}, only when close enough to be a plausible
     * typo: at most one edit per three letters of the candidate, at least one, at most three,
     * and fewer edits than {@code given} has letters.
     * Ties go to the first in {@code known}'s iteration order.
     */
    public static Optional<String> closest(String given, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(given, candidate);
            // d < length: a one-letter name is one edit from every other one-letter name.
            if (d <= threshold(candidate) && d < given.length() && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int threshold(String candidate) {
        return Math.max(1, Math.min(3, candidate.length() / 3));
    }

    /** Optimal string alignment distance, case-insensitive. */
    static int distance(String a, String b) {
        String s = a.toLowerCase(Locale.ROOT);
        String t = b.toLowerCase(Locale.ROOT);
        int[][] d = new int[s.length() + 1][t.length() + 1];
        for (int i = 0; i <= s.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= t.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= s.length(); i++) {
            for (int j = 1; j <= t.length(); j++) {
                int cost = s.charAt(i - 1) == t.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && s.charAt(i - 1) == t.charAt(j - 2) && s.charAt(i - 2) == t.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[s.length()][t.length()];
    }
}
