package io.imago.migration;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Quoting for the SQL this module builds; every identifier is quoted so names keep their exact case. The one place
 * identifiers are quoted: no other code pastes a name between double quotes itself.
 */
final class Sql {
    private Sql() {
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A table in schema public: the only schema the data plane migrates. */
    static String table(String name) {
        return "public." + ident(name);
    }

    /** A temporary table of this session (schema pg_temp: a table in public cannot shadow it). */
    static String temp(String name) {
        return "pg_temp." + ident(name);
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String idents(List<String> names) {
        return names.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }
}
