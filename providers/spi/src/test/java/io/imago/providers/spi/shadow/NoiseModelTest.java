package io.imago.providers.spi.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseModelTest {
    private static final String ROUTE = "GET /api/customers/{id}";

    private static List<Difference> at(String... paths) {
        return java.util.Arrays.stream(paths).map(p -> new Difference(p, "1", "2")).toList();
    }

    @Test
    void aFieldTheOldUniverseDisagreesWithItselfOnIsLearnedAndDiscounted() {
        NoiseModel m = new NoiseModel();
        for (int i = 0; i < 100; i++) {
            m.oldPair(ROUTE, at("$.servedAt", "$.tags[" + (i % 3) + "]")); // a timestamp and the order of a set
        }
        assertTrue(m.noisy(ROUTE, "$.servedAt"));
        assertTrue(m.discounts(ROUTE, "$.servedAt", 100, 100));
        assertTrue(m.discounts(ROUTE, "$.tags[*]", 90, 100), "indices are normalized");
        assertEquals(2, m.learned().size());
        assertEquals(100, m.pairs(ROUTE));
    }

    @Test
    void aFieldOnlyTheNewUniverseGetsWrongAlwaysCounts() {
        NoiseModel m = new NoiseModel();
        for (int i = 0; i < 100; i++) {
            m.oldPair(ROUTE, at("$.servedAt"));
        }
        assertFalse(m.noisy(ROUTE, "$.email"));
        assertFalse(m.discounts(ROUTE, "$.email", 2, 100));
        assertFalse(m.discounts("GET /other", "$.servedAt", 1, 100), "noise is per route");
    }

    @Test
    void rareOldNoiseDoesNotHideAFrequentNewDifference() {
        NoiseModel m = new NoiseModel();
        m.oldPair(ROUTE, at("$.email")); // a row written between the two old requests, twice
        m.oldPair(ROUTE, at("$.email"));
        for (int i = 0; i < 500; i++) {
            m.oldPair(ROUTE, List.of());
        }
        assertTrue(m.discounts(ROUTE, "$.email", 5, 502));
        assertFalse(m.discounts(ROUTE, "$.email", 40, 502), "40 new differences against 2 old ones is the new universe's doing");
        assertFalse(new NoiseModel().discounts(ROUTE, "$.email", 1, 1));
    }

    @Test
    void fewerOldPairsThanComparedRequestsAreWeighedAsShares() {
        NoiseModel m = new NoiseModel();
        for (int i = 0; i < 40; i++) {
            m.oldPair(ROUTE, i % 10 == 0 ? at("$.email", "$.servedAt") : at("$.servedAt")); // 1 pair in 10 sees a row change
        }
        assertTrue(m.discounts(ROUTE, "$.servedAt", 400, 400), "a timestamp differs in every pair and every comparison");
        assertTrue(m.discounts(ROUTE, "$.email", 60, 400), "15% of comparisons against 10% of pairs");
        assertFalse(m.discounts(ROUTE, "$.email", 200, 400), "half of the comparisons against a tenth of the pairs: the new universe's doing");
    }
}
