package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run by its own surefire execution with IMAGO_PG_BINARIES=embedded: on a machine without a
 * system PostgreSQL, the server comes from the binaries jar on the class path (PostgreSQL 16).
 */
class EmbeddedBinariesTest {
    @TempDir Path dir;

    @Test
    void aMachineWithoutSystemPostgresGetsTheEmbeddedServer() throws Exception {
        assertEquals("embedded", System.getenv("IMAGO_PG_BINARIES"), "run by the embedded-binaries execution");
        Provider p = new LocalProviderFactory().create(new ProviderContext(dir, Map.of(), m -> {}));
        Resource db = p.database().create(new DatabaseRequest("emb", "16", "small", null, 1));
        try {
            DatabaseCredentials admin = p.database().credentials(db, true);
            try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password())) {
                ResultSet rs = c.createStatement().executeQuery("SELECT current_setting('server_version_num')::int / 10000, current_setting('wal_level')");
                rs.next();
                assertEquals(16, rs.getInt(1));
                assertEquals("logical", rs.getString(2));
            }
        } finally {
            p.database().destroy(db);
        }
        assertFalse(p.database().alive(db));
    }
}
