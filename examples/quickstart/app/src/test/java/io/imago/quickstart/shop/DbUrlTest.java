package io.imago.quickstart.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DbUrlTest {
    @Test
    void convertsALibpqUrl() {
        DbUrl u = DbUrl.parse("postgresql://shop:s3cret@127.0.0.1:54321/shop_v1");
        assertEquals("jdbc:postgresql://127.0.0.1:54321/shop_v1", u.jdbcUrl());
        assertEquals("shop", u.user());
        assertEquals("s3cret", u.password());
    }

    @Test
    void decodesEscapesAndKeepsPlusSigns() {
        DbUrl u = DbUrl.parse("postgres://app%40corp:p%3Aw+d%2F%40x@db.internal/my%20db");
        assertEquals("app@corp", u.user());
        assertEquals("p:w+d/@x", u.password());
        assertEquals("jdbc:postgresql://db.internal:5432/my%20db", u.jdbcUrl());
    }

    @Test
    void toleratesAnUnescapedAtInThePassword() {
        DbUrl u = DbUrl.parse("postgresql://u:p@ss@localhost:5433/d");
        assertEquals("u", u.user());
        assertEquals("p@ss", u.password());
        assertEquals("jdbc:postgresql://localhost:5433/d", u.jdbcUrl());
    }

    @Test
    void defaultsLikeLibpq() {
        DbUrl u = DbUrl.parse("postgresql://alice@localhost");
        assertEquals("jdbc:postgresql://localhost:5432/alice", u.jdbcUrl());
        assertEquals("alice", u.user());
        assertNull(u.password());
        assertEquals("jdbc:postgresql://localhost:5432/postgres", DbUrl.parse("postgresql://").jdbcUrl());
    }

    @Test
    void passesParametersThroughAndTakesCredentialsOutOfThem() {
        DbUrl u = DbUrl.parse("postgresql://h:6000/db?sslmode=disable&user=bob&password=pw&application_name=x");
        assertEquals("jdbc:postgresql://h:6000/db?sslmode=disable&ApplicationName=x", u.jdbcUrl());
        assertEquals("bob", u.user());
        assertEquals("pw", u.password());
    }

    @Test
    void handlesIpv6Hosts() {
        assertEquals("jdbc:postgresql://[::1]:5433/d", DbUrl.parse("postgresql://u:p@[::1]:5433/d").jdbcUrl());
        assertEquals("jdbc:postgresql://[::1]:5432/d", DbUrl.parse("postgresql://[::1]/d").jdbcUrl());
    }

    @Test
    void takesJdbcUrlsAsTheyAre() {
        DbUrl u = DbUrl.parse("jdbc:postgresql://localhost:5432/x?user=a");
        assertEquals("jdbc:postgresql://localhost:5432/x?user=a", u.jdbcUrl());
        assertNull(u.user());
    }

    @Test
    void refusesWhatIsNotAPostgresUrlWithoutShowingThePassword() {
        assertThrows(IllegalArgumentException.class, () -> DbUrl.parse(null));
        assertThrows(IllegalArgumentException.class, () -> DbUrl.parse(" "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DbUrl.parse("mysql://u:topsecret@h/d"));
        assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DbUrl.parse("postgresql://u:topsecret@h:99999/d"));
        assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DbUrl.parse("postgresql://u:p@h:x1/d"));
    }

    @Test
    void neverPrintsThePassword() {
        String s = DbUrl.parse("postgresql://shop:s3cret@127.0.0.1:5432/shop").toString();
        assertFalse(s.contains("s3cret"), s);
        assertTrue(s.contains("shop"), s);
    }
}
