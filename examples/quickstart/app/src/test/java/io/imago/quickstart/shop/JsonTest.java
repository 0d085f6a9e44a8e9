package io.imago.quickstart.shop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void escapesStrings() {
        assertEquals("\"plain\"", Json.quote("plain"));
        assertEquals("\"say \\\"hi\\\"\"", Json.quote("say \"hi\""));
        assertEquals("\"back\\\\slash\"", Json.quote("back\\slash"));
        assertEquals("\"a\\nb\\rc\\td\\be\\ff\"", Json.quote("a\nb\rc\td\be\ff"));
        assertEquals("\"\\u0000\\u001f\"", Json.quote("\u0000\u001f"));
        assertEquals("\"\\u2028\\u2029\"", Json.quote("\u2028\u2029"));
        assertEquals("\"Zoë O'Brien </script> 😀\"", Json.quote("Zoë O'Brien </script> 😀"));
    }

    @Test
    void writesValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", 7);
        m.put("name", "Ada \"the\" first");
        m.put("email_domain", null);
        m.put("ok", true);
        m.put("tags", List.of("a", 2L));
        m.put("nested", Map.of("x", new BigDecimal("1.50")));
        assertEquals("{\"id\":7,\"name\":\"Ada \\\"the\\\" first\",\"email_domain\":null,\"ok\":true,"
                + "\"tags\":[\"a\",2],\"nested\":{\"x\":1.50}}", Json.write(m));
        assertEquals("[]", Json.write(List.of()));
        assertEquals("null", Json.write(Double.NaN));
    }

    @Test
    void readsWhatItWrites() {
        String tricky = "q\"b\\s/\n\t\u0001 é 😀 \u2028";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", tricky);
        m.put("list", Arrays.asList(1, null, false));
        Object back = Json.parse(Json.write(m));
        assertEquals(Map.of("name", tricky, "list", Arrays.asList(new BigDecimal("1"), null, false)), back);
    }

    @Test
    void parsesRequestBodies() {
        assertEquals(Map.of("name", "Ann", "email", "ann@example.com"),
                Json.parse(" {\"name\" : \"Ann\", \"email\":\"ann@example.com\"} "));
        assertEquals("é/\"", ((Map<?, ?>) Json.parse("{\"n\":\"\\u00e9\\/\\\"\"}")).get("n"));
        assertEquals(new BigDecimal("-1.5e3"), Json.parse("-1.5e3"));
    }

    @Test
    void refusesBrokenJson() {
        for (String bad : List.of("", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "\"open", "{'a':1}", "tru", "{} x",
                "\"bad \\x escape\"", "\"raw \n newline\"", "[".repeat(100))) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }
}
