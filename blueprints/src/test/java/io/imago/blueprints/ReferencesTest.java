package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferencesTest {
    private static final Map<String, String> VALUES =
            Map.of("database.url", "jdbc:postgresql://h:5432/shop", "env:HOME", "/home/u", "ingress.url", "http://lb");

    @Test
    void findsNamesInOrder() {
        assertEquals(List.of("database.url", "env:HOME"), References.find("${database.url}?home=${env:HOME}"));
        assertEquals(List.of(), References.find("plain text $ { } $x"));
    }

    @Test
    void escapedReferencesAreText() {
        assertEquals(List.of("ingress.url"), References.find("$${database.url} ${ingress.url}"));
        assertEquals("${database.url} http://lb", References.resolve("$${database.url} ${ingress.url}", VALUES::get));
    }

    @Test
    void resolves() {
        assertEquals("--db=jdbc:postgresql://h:5432/shop --home=/home/u",
                References.resolve("--db=${database.url} --home=${env:HOME}", VALUES::get));
        assertEquals("no refs, $5 and $x", References.resolve("no refs, $5 and $x", VALUES::get));
        assertEquals("", References.resolve("", VALUES::get));
    }

    @Test
    void unclosedIsNotAReference() {
        assertEquals(List.of("ingress.url"), References.find("${ingress.url} ${database.url"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> References.resolve("x ${database.url", VALUES::get));
        assertEquals("unclosed '${' in 'x ${database.url'", e.getMessage());
    }

    @Test
    void unknownNameFailsToResolve() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> References.resolve("${secret:pw}", VALUES::get));
        assertEquals("unknown reference '${secret:pw}'", e.getMessage());
    }
}
