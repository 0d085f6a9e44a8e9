package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
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

    /** Streaming reads are bounded (the shipper polls, so it is safe); slot creation waits for running transactions, unbounded. */
    @Test
    void theStreamingReplicationConnectionHasASocketTimeoutSlotCreationNone() throws Exception {
        PgServers.Pair p = PgServers.fresh("endpoint_repl");
        try (Connection stream = p.source().connectReplicationStream(); Connection create = p.source().connectReplication()) {
            assertEquals(PgEndpoint.REPLICATION_STREAM_SOCKET_TIMEOUT.toMillis(), stream.getNetworkTimeout());
            assertEquals(0, create.getNetworkTimeout());
        }
    }
}
