package io.imago.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.engine.Progress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private static final Progress COPY = new Progress("SNAPSHOT", "rows copied", 4_500_000, 10_000_000, true, Duration.ofSeconds(30),
            "orders", "2 of 5 tables done");
    private static final Progress LAG = new Progress("CATCH_UP", "changes applied", 12_000, 0, false, Duration.ofSeconds(4), null,
            "lag 12.0 KiB, 3ms (target 500ms)");
    private static final Progress WAIT = new Progress("PROVISION", "instances healthy", 1, 2, false, Duration.ofMillis(200), "web",
            "waiting for /health, at most 60s");

    @Test
    void plainLinesForALog() {
        assertEquals("SNAPSHOT [#########...........] 45% 4,500,000 / ~10,000,000 rows copied, 150,000/s, ETA ~36s · orders · 2 of 5 tables done",
                ProgressLine.text(COPY, false));
        assertEquals("CATCH_UP 12,000 changes applied, 3,000/s, 4s elapsed · lag 12.0 KiB, 3ms (target 500ms)", ProgressLine.text(LAG, false));
        assertEquals("PROVISION [##########..........] 50% 1 / 2 instances healthy, 0s elapsed · web · waiting for /health, at most 60s",
                ProgressLine.text(WAIT, false));
    }

    @Test
    void aBarForATerminal() {
        assertEquals("SNAPSHOT [█████████░░░░░░░░░░░] 45% 4,500,000 / ~10,000,000 rows copied, 150,000/s, ETA ~36s · orders · 2 of 5 tables done",
                ProgressLine.text(COPY, true));
    }

    @Test
    void jsonEventsCarryStepTableDoneTotalRateAndEta() throws Exception {
        JsonNode e = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(ProgressLine.event(COPY)));
        assertEquals("progress", e.get("event").asText());
        assertEquals("SNAPSHOT", e.get("step").asText());
        assertEquals("orders", e.get("table").asText());
        assertEquals(4_500_000, e.get("done").asLong());
        assertEquals(10_000_000, e.get("total").asLong());
        assertTrue(e.get("estimated").asBoolean());
        assertEquals(150_000.0, e.get("rate").asDouble());
        assertEquals(36.666, e.get("eta").asDouble(), 0.01);
        JsonNode lag = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(ProgressLine.event(LAG)));
        assertTrue(lag.get("total").isNull(), "an unknown total is null, not 0");
        assertTrue(lag.get("eta").isNull());
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertEquals("59s", ProgressLine.human(Duration.ofSeconds(59)));
        assertEquals("3m05s", ProgressLine.human(Duration.ofSeconds(185)));
        assertEquals("1h02m", ProgressLine.human(Duration.ofMinutes(62)));
    }
}
