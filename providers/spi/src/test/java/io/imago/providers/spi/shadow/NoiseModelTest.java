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
        assertTrue(m.discounts(ROUTE, "$.servedAt", 100));
        assertTrue(m.discounts(ROUTE, "$.tags[*]", 90), "indices are normalized");
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
        assertFalse(m.discounts(ROUTE, "$.email", 2));
        assertFalse(m.discounts("GET /other", "$.servedAt", 1), "noise is per route");
    }

    @Test
    void rareOldNoiseDoesNotHideAFrequentNewDifference() {
        NoiseModel m = new NoiseModel();
        m.oldPair(ROUTE, at("$.email")); // a row written between the two old requests, twice
        m.oldPair(ROUTE, at("$.email"));
        for (int i = 0; i < 500; i++) {
            m.oldPair(ROUTE, List.of());
        }
        assertTrue(m.discounts(ROUTE, "$.email", 5));
        assertFalse(m.discounts(ROUTE, "$.email", 40), "40 new differences against 2 old ones is the new universe's doing");
        assertFalse(new NoiseModel().discounts(ROUTE, "$.email", 1));
    }
}
