package io.imago.providers.local.ingress;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SwitchWarmUpTest {
    /** The rehearsal runs a whole switch on its private ingress and ends by itself, its request answered. */
    @Test
    void theRehearsalRunsAWholeSwitchAndEnds() {
        assertTrue(assertTimeoutPreemptively(Duration.ofSeconds(20), SwitchWarmUp::rehearse), "a request was held, then answered");
    }
}
