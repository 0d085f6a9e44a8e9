package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DidYouMeanTest {

    @ParameterizedTest
    @CsvSource({
        "univrse, universe", "replace, replaces", "tpye, type", "maxlag, maxLag", "cont, count",
        "instance_type, instanceType", "rowcount, rowCounts", "databse, database", "checksum, checksums"
    })
    void suggestsCloseNames(String given, String expected) {
        List<String> known = List.of("universe", "replaces", "type", "maxLag", "count", "instanceType", "rowCounts",
                "database", "checksums", "path", "port");
        assertEquals(Optional.of(expected), DidYouMean.closest(given, known));
    }

    @ParameterizedTest
    @CsvSource({"port, path", "foo, timeout", "healthcheck, health", "x, xs", "a, b"})
    void staysQuietWhenFar(String given, String known) {
        assertEquals(Optional.empty(), DidYouMean.closest(given, List.of(known)));
    }

    @org.junit.jupiter.api.Test
    void picksTheClosest() {
        assertEquals(Optional.of("size"), DidYouMean.closest("sizes", List.of("seed", "size")));
    }
}
