package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanTextTest {
    @Test
    void countsAgreeWithTheirNoun() {
        assertEquals("0 tables", HumanText.count(0, "table"));
        assertEquals("1 table", HumanText.count(1, "table"));
        assertEquals("2 tables", HumanText.count(2, "table"));
        assertEquals("12,345 rows", HumanText.count(12_345, "row"));
        assertEquals("1 process", HumanText.count(1, "process", "processes"));
        assertEquals("3 processes", HumanText.count(3, "process", "processes"));
    }

    @Test
    void durationsInTheUnitThatFitsTheirSize() {
        assertEquals("0 ms", HumanText.duration(Duration.ZERO));
        assertEquals("850 ms", HumanText.duration(Duration.ofMillis(850)));
        assertEquals("1.0 s", HumanText.duration(Duration.ofMillis(1000)));
        assertEquals("4.2 s", HumanText.duration(Duration.ofMillis(4_240)));
        assertEquals("59.9 s", HumanText.duration(Duration.ofMillis(59_940)));
        assertEquals("1m00s", HumanText.duration(Duration.ofMillis(60_000)));
        assertEquals("3m05s", HumanText.duration(Duration.ofSeconds(185)));
        assertEquals("59m59s", HumanText.duration(Duration.ofSeconds(3_599)));
        assertEquals("1h00m", HumanText.duration(Duration.ofSeconds(3_600)));
        assertEquals("26h03m", HumanText.duration(Duration.ofMinutes(26 * 60 + 3)));
        assertEquals("-850 ms", HumanText.duration(Duration.ofMillis(-850)));
    }
}
