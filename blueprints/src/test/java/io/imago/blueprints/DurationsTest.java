package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "500ms, 500", "10s, 10000", "15m, 900000", "2h, 7200000", "0, 0", "0s, 0", "1m30s, 90000",
        "1h1ms, 3600001", "1s500ms, 1500", "90m, 5400000", "05s, 5000"
    })
    void parses(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "10 minutes", "10S", "1.5s", "-1s", "1d", "30s1m", "1m1m", "s", "ms", " 1s",
        "99999999999999999h"})
    void refuses(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("invalid duration '" + text + "'", e.getMessage());
        assertTrue(Durations.tryParse(text).isEmpty());
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0", "500, 500ms", "1000, 1s", "10000, 10s", "60000, 1m", "90000, 90s", "900000, 15m", "3600000, 1h",
        "5400000, 90m", "7200000, 2h", "3600001, 1h1ms", "1500, 1500ms", "86400000, 24h"
    })
    void formatsShortest(long millis, String text) {
        assertEquals(text, Durations.format(Duration.ofMillis(millis)));
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "10s", "15m", "2h", "1m30s", "3h25m7s12ms"})
    void roundTrips(String text) {
        Duration d = Durations.parse(text);
        assertEquals(d, Durations.parse(Durations.format(d)));
    }
}
