package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRangesTest {

    @Test
    void splitsTheKeySpanEvenly() {
        assertEquals(List.of(bi(26), bi(51), bi(76)), KeyRanges.bounds(bi(1), bi(100), 4));
    }

    @Test
    void aSpanSmallerThanTheChunksGivesFewerDistinctBounds() {
        assertEquals(List.of(bi(6)), KeyRanges.bounds(bi(5), bi(6), 4));
        assertEquals(List.of(), KeyRanges.bounds(bi(7), bi(7), 4));
    }

    @Test
    void handlesTheWholeBigintRange() {
        List<BigInteger> b = KeyRanges.bounds(BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE), 2);
        assertEquals(List.of(BigInteger.ZERO), b);
    }

    @Test
    void splitsOnlyWhenWorthIt() {
        KeyRanges serial = new KeyRanges(1, 100_000);
        assertEquals(1, serial.chunkCount(10_000_000));
        KeyRanges two = new KeyRanges(2, 100_000);
        assertEquals(1, two.chunkCount(150_000));
        assertEquals(2, two.chunkCount(200_000));
        assertEquals(2, two.chunkCount(1_000_000));
        assertEquals(6, two.chunkCount(3_000_000));
        assertEquals(64, two.chunkCount(1_000_000_000));
    }

    private static BigInteger bi(long v) {
        return BigInteger.valueOf(v);
    }
}
