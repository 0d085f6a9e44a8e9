package io.imago.quickstart.shop;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A defect seeded on purpose, for tests of the shadow check: {@code SHOP_DEFECT=customer-email-every-N} makes every Nth
 * answer of this instance to {@code GET /api/customers/{id}} carry a wrong {@code email}. Empty or {@code none}: no
 * defect.
 */
final class Defect {
    private static final String EMAIL_EVERY = "customer-email-every-";

    static final Defect NONE = new Defect(0);

    private final long every;
    private final AtomicLong answers = new AtomicLong();

    private Defect(long every) {
        this.every = every;
    }

    /** @throws IllegalArgumentException for a value it does not know */
    static Defect parse(String value) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty() || v.equals("none")) {
            return NONE;
        }
        if (v.startsWith(EMAIL_EVERY)) {
            try {
                long n = Long.parseLong(v.substring(EMAIL_EVERY.length()));
                if (n >= 1) {
                    return new Defect(n);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new IllegalArgumentException("SHOP_DEFECT must be none or " + EMAIL_EVERY + "N, got: " + v);
    }

    /** The customer as answered: now and then with a wrong email when the defect is on. */
    Map<String, Object> customer(Map<String, Object> c) {
        if (every == 0 || answers.incrementAndGet() % every != 0) {
            return c;
        }
        Map<String, Object> wrong = new LinkedHashMap<>(c);
        wrong.put("email", "wrong-" + c.get("email"));
        return wrong;
    }

    @Override
    public String toString() {
        return every == 0 ? "none" : EMAIL_EVERY + every;
    }
}
