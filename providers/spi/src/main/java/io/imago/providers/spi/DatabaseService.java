package io.imago.providers.spi;

import java.util.List;

/** PostgreSQL servers with logical decoding enabled. */
public interface DatabaseService {
    /** Creates (or finds) the universe's database server and returns it once it accepts connections. */
    Resource create(DatabaseRequest request);

    /**
     * Connection details, with credentials from the provider's secret store.
     *
     * @param admin true for the owner role (DDL, replication), false for the application's role
     */
    DatabaseCredentials credentials(Resource database, boolean admin);

    /**
     * Credentials for reading the database as a source (the bulk copy, log shipping, the data checks): a role
     * that can only read (SELECT) and stream changes (REPLICATION), never write, so that nothing Imago runs there
     * can change production. Providers without such a role give the owner's (the default).
     */
    default DatabaseCredentials readerCredentials(Resource database) {
        return credentials(database, true);
    }

    /** Makes sure the server runs (after a reboot or a crash); a no-op when it does. */
    void ensureRunning(Resource database);

    void destroy(Resource database);

    List<Resource> list(String universe);

    boolean alive(Resource database);
}
