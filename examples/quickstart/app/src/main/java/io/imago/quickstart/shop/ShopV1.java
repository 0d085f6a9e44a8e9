package io.imago.quickstart.shop;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Version 1: {@code customers.name}, orders in {@code orders}. */
final class ShopV1 extends Shop {
    private static final String CUSTOMER = "select id, name, email from customers";

    ShopV1(Db db) {
        super(db);
    }

    @Override
    int version() {
        return 1;
    }

    private static Map<String, Object> customer(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getInt("id"));
        m.put("name", rs.getString("name"));
        m.put("email", rs.getString("email"));
        return m;
    }

    @Override
    List<Map<String, Object>> customers() throws SQLException {
        return query(CUSTOMER + " order by id", ShopV1::customer);
    }

    @Override
    Optional<Map<String, Object>> customer(long id) throws SQLException {
        return query(CUSTOMER + " where id = ?", ShopV1::customer, id).stream().findFirst();
    }

    @Override
    Map<String, Object> createCustomer(String name, String email) throws SQLException {
        return query("insert into customers (name, email) values (?, ?) returning id, name, email",
                ShopV1::customer, name, email).get(0);
    }

    @Override
    List<Map<String, Object>> orders(long customerId) throws SQLException {
        return query("select id, customer_id, amount_cents, status from orders where customer_id = ? order by id",
                Shop::order, customerId);
    }

    @Override
    Map<String, Object> stats() throws SQLException {
        return db.with(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", 1);
            m.putAll(baseStats(c, "orders"));
            return m;
        });
    }
}
