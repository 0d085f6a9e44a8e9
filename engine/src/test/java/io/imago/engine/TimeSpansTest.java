package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeSpansTest {
    @Test
    void durationsInTheUnitThatFitsTheirSize() {
        assertEquals("0 ms", TimeSpans.human(Duration.ZERO));
        assertEquals("850 ms", TimeSpans.human(Duration.ofMillis(850)));
        assertEquals("1.0 s", TimeSpans.human(Duration.ofMillis(1000)));
        assertEquals("4.2 s", TimeSpans.human(Duration.ofMillis(4_240)));
        assertEquals("59.9 s", TimeSpans.human(Duration.ofMillis(59_940)));
        assertEquals("1m00s", TimeSpans.human(Duration.ofMillis(60_000)));
        assertEquals("3m05s", TimeSpans.human(Duration.ofSeconds(185)));
        assertEquals("59m59s", TimeSpans.human(Duration.ofSeconds(3_599)));
        assertEquals("1h00m", TimeSpans.human(Duration.ofSeconds(3_600)));
        assertEquals("26h03m", TimeSpans.human(Duration.ofMinutes(26 * 60 + 3)));
        assertEquals("-850 ms", TimeSpans.human(Duration.ofMillis(-850)));
    }

    @Test
    void pluralsCountInWordsThatAgree() {
        assertEquals("0 tables", Plural.count(0, "table"));
        assertEquals("1 table", Plural.count(1, "table"));
        assertEquals("12,345 rows", Plural.count(12_345, "row"));
        assertEquals("2 errors", Plural.count(2, "error"));
    }
}
