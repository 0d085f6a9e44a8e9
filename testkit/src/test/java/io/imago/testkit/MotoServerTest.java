package io.imago.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MotoServerTest {
    @Test
    void startsOnLoopbackAnswersAndStops() {
        MotoServer moto = MotoServer.start();
        try {
            assertTrue(moto.endpoint().getHost().equals("127.0.0.1"));
            moto.reset();
        } finally {
            moto.close();
        }
        assertFalse(moto.running());
    }
}
