package io.imago.quickstart.shop;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Version 2: {@code customers.full_name} (still {@code "name"} in the API), the derived
 * {@code email_domain}, orders in {@code purchase_orders}.
 */
final class ShopV2 extends Shop {
    private static final String CUSTOMER = "select id, full_name, email, email_domain from customers";

    ShopV2(Db db) {
        super(db);
    }

    @Override
    int version() {
        return 2;
    }

    private static Map<String, Object> customer(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getInt("id"));
        m.put("name", rs.getString("full_name"));
        m.put("email", rs.getString("email"));
        m.put("email_domain", rs.getString("email_domain"));
        return m;
    }

    @Override
    List<Map<String, Object>> customers() throws SQLException {
        return query(CUSTOMER + " order by id", ShopV2::customer);
    }

    @Override
    Optional<Map<String, Object>> customer(long id) throws SQLException {
        return query(CUSTOMER + " where id = ?", ShopV2::customer, id).stream().findFirst();
    }

    /** The domain is computed by the same expression the migration uses, so both agree. */
    @Override
    Map<String, Object> createCustomer(String name, String email) throws SQLException {
        return query("insert into customers (full_name, email, email_domain) values (?, ?, split_part(?, '@', 2))"
                + " returning id, full_name, email, email_domain", ShopV2::customer, name, email, email).get(0);
    }

    @Override
    List<Map<String, Object>> orders(long customerId) throws SQLException {
        return query("select id, customer_id, amount_cents, status from purchase_orders where customer_id = ?"
                + " order by id", Shop::order, customerId);
    }

    @Override
    Map<String, Object> stats() throws SQLException {
        return db.with(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", 2);
            m.putAll(baseStats(c, "purchase_orders"));
            m.put("email_domains", count(c, "select count(distinct email_domain) from customers"));
            return m;
        });
    }
}
