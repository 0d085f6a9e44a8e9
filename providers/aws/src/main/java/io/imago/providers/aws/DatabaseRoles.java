package io.imago.providers.aws;

/**
 * Prepares a new RDS database for Imago once it is available: the application's role and the reader's, besides the
 * master user RDS creates ({@link JdbcRoles}). Behind an interface because it is the one step that talks to the
 * database server itself, which the AWS emulator the tests run against (moto) does not run.
 */
interface DatabaseRoles {
    /** Idempotent: every step may meet a database an earlier, interrupted run already prepared. */
    void prepare(String host, int port, DbSecret secret);
}
