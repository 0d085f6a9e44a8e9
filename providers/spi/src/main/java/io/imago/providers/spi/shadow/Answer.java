package io.imago.providers.spi.shadow;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP answer as a comparison sees it: status, headers (names in lower case) and body bytes.
 *
 * @param status the HTTP status, or 0 when no answer came (refused, reset, timed out)
 */
public record Answer(int status, Map<String, String> headers, byte[] body) {
    public static final Answer NONE = new Answer(0, Map.of(), new byte[0]);

    public Answer {
        Map<String, String> lower = new TreeMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        headers = Map.copyOf(lower);
        body = body == null ? new byte[0] : body;
    }

    public static Answer of(int status, String contentType, String body) {
        return new Answer(status, contentType == null ? Map.of() : Map.of("content-type", contentType),
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public boolean answered() {
        return status > 0;
    }

    public boolean serverError() {
        return status == 0 || status >= 500;
    }
}
