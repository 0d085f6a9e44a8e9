package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PgEndpointTest {
    @Test
    void toStringHidesThePassword() {
        PgEndpoint e = new PgEndpoint("db.example", 5432, "shop", "admin", "s3cr3t!");
        assertFalse(e.toString().contains("s3cr3t"), e.toString());
        assertTrue(e.toString().contains("***"));
        assertTrue(e.toString().contains("admin"));
    }

    @Test
    void jdbcUrl() {
        assertEquals("jdbc:postgresql://db.example:5433/shop", new PgEndpoint("db.example", 5433, "shop", "u", null).jdbcUrl());
        assertEquals("jdbc:postgresql://[::1]:5432/my+db", new PgEndpoint("::1", 5432, "my db", "u", null).jdbcUrl());
    }
}
