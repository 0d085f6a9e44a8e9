package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LsnTest {
    @Test
    void parsesAndFormats() {
        Lsn l = Lsn.parse("16/3002D50");
        assertEquals(0x16L << 32 | 0x3002D50L, l.value());
        assertEquals("16/3002D50", l.format());
        assertEquals("16/3002D50", l.toString());
        assertEquals(l, Lsn.parse("16/3002d50"));
        assertEquals("0/0", Lsn.ZERO.format());
        assertEquals("FFFFFFFF/FFFFFFFF", Lsn.parse("FFFFFFFF/FFFFFFFF").format());
    }

    @Test
    void ordersAsUnsigned() {
        assertTrue(Lsn.parse("0/1").compareTo(Lsn.parse("0/2")) < 0);
        assertTrue(Lsn.parse("1/0").compareTo(Lsn.parse("0/FFFFFFFF")) > 0);
        assertTrue(Lsn.parse("FFFFFFFF/0").compareTo(Lsn.parse("7FFFFFFF/0")) > 0); // negative as a signed long
        assertTrue(Lsn.parse("0/10").isBefore(Lsn.parse("0/11")));
    }

    @Test
    void refusesGarbage() {
        for (String bad : new String[] {"", "16", "/1", "1/", "1/2/3", "x/1", "100000000/0", "-1/0"}) {
            assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad), bad);
        }
    }
}
