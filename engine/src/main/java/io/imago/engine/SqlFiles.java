package io.imago.engine;

import io.imago.providers.spi.DatabaseCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Runs a blueprint's SQL file exactly once per database: the file and a marker row in
 * {@code imago_meta.applied} commit in one transaction, so a kill before the commit leaves nothing
 * and one after it is seen on re-run.
 */
final class SqlFiles {
    private SqlFiles() {}

    static Connection connect(DatabaseCredentials c) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password());
    }

    /** @return false when the file had already been applied */
    static boolean applyOnce(DatabaseCredentials admin, String marker, Path file) throws SQLException, IOException {
        String sql = Files.readString(file);
        try (Connection c = connect(admin)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS imago_meta");
                s.execute("CREATE TABLE IF NOT EXISTS imago_meta.applied (marker text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
            }
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM imago_meta.applied WHERE marker = ? FOR UPDATE")) {
                p.setString(1, marker);
                if (p.executeQuery().next()) {
                    c.rollback();
                    return false;
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                c.rollback();
                throw new SQLException(file.getFileName() + ": " + e.getMessage(), e.getSQLState(), e);
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO imago_meta.applied (marker) VALUES (?)")) {
                p.setString(1, marker);
                p.executeUpdate();
            }
            c.commit();
            return true;
        }
    }
}
