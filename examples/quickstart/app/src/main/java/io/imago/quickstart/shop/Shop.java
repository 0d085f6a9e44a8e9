package io.imago.quickstart.shop;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the API needs from the database; {@link ShopV1} and {@link ShopV2} differ only in the
 * schema they read. Both answer customers with the same fields ({@code id}, {@code name},
 * {@code email}); v2 adds {@code email_domain}.
 */
abstract class Shop {
    /** Maps one row to its JSON fields. */
    interface Row {
        Map<String, Object> map(ResultSet rs) throws SQLException;
    }

    protected final Db db;

    Shop(Db db) {
        this.db = db;
    }

    abstract int version();

    abstract List<Map<String, Object>> customers() throws SQLException;

    abstract Optional<Map<String, Object>> customer(long id) throws SQLException;

    abstract Map<String, Object> createCustomer(String name, String email) throws SQLException;

    abstract List<Map<String, Object>> orders(long customerId) throws SQLException;

    abstract Map<String, Object> stats() throws SQLException;

    /**
     * True when the database answers {@code select 1} within 2 seconds. Tried twice: after a restart of the database
     * the first try may pick a pooled connection the restart broke (the pool then drops its idle ones), and the
     * second opens a fresh one: health is about the database, not about that connection.
     */
    boolean healthy() {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                return db.with(c -> {
                    try (PreparedStatement st = c.prepareStatement("select 1")) {
                        st.setQueryTimeout(2);
                        try (ResultSet rs = st.executeQuery()) {
                            return rs.next() && rs.getInt(1) == 1;
                        }
                    }
                });
            } catch (SQLException e) {
                // the next attempt, if any, opens a fresh connection
            }
        }
        return false;
    }

    /** Runs a query whose parameters are bound in order. */
    protected List<Map<String, Object>> query(String sql, Row row, Object... params) throws SQLException {
        return db.with(c -> query(c, sql, row, params));
    }

    protected static List<Map<String, Object>> query(Connection c, String sql, Row row, Object... params)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setQueryTimeout(10);
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        }
    }

    protected static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Order fields, the same in both versions. */
    protected static Map<String, Object> order(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getInt("id"));
        m.put("customer_id", rs.getInt("customer_id"));
        m.put("amount_cents", rs.getInt("amount_cents"));
        m.put("status", rs.getString("status"));
        return m;
    }

    /** Counts shared by both versions, over the given orders table. */
    protected static Map<String, Object> baseStats(Connection c, String ordersTable) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("customers", count(c, "select count(*) from customers"));
        m.put("orders", count(c, "select count(*) from " + ordersTable));
        Map<String, Object> byStatus = new LinkedHashMap<>();
        for (Map<String, Object> r : query(c, "select status, count(*) as n from " + ordersTable
                + " group by status order by status", rs -> Map.of("status", rs.getString(1), "n", rs.getLong(2)))) {
            byStatus.put((String) r.get("status"), r.get("n"));
        }
        m.put("orders_by_status", byStatus);
        m.put("amount_cents_total", count(c, "select coalesce(sum(amount_cents), 0) from " + ordersTable));
        return m;
    }
}
