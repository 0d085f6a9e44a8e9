package io.imago.providers.spi.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every way two answers differ: the status, the headers that matter ({@link #HEADERS}: not {@code Date},
 * {@code Server} or a universe's own markers), and the bodies, JSON compared structurally (field by field, item by
 * item, so key order and white space do not count) and anything else byte for byte. Used by the {@code compare} check
 * and by the shadow comparison of live requests.
 */
public final class AnswerDiff {
    /** The headers compared: what a client acts on. */
    public static final List<String> HEADERS = List.of("content-type", "content-encoding", "location", "cache-control");
    /** More differences than this in one answer are not listed (the answer differs either way). */
    static final int MAX_DIFFERENCES = 50;
    private static final int MAX_VALUE_TEXT = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerDiff() {}

    /** Status, {@link #HEADERS} and body. */
    public static List<Difference> diff(Answer old, Answer neu) {
        return diff(old, neu, HEADERS);
    }

    /** Status, the named headers and body; {@code headers} empty compares none. */
    public static List<Difference> diff(Answer old, Answer neu, List<String> headers) {
        List<Difference> out = new ArrayList<>();
        if (old.status() != neu.status()) {
            out.add(new Difference("status", status(old), status(neu)));
        }
        for (String h : headers) {
            String a = headerValue(h, old.header(h));
            String b = headerValue(h, neu.header(h));
            if (a == null ? b != null : !a.equals(b)) {
                out.add(new Difference("header " + h, a == null ? Difference.ABSENT : a, b == null ? Difference.ABSENT : b));
            }
        }
        body(old.body(), neu.body(), out);
        return out;
    }

    /** The bodies alone: JSON structurally when both are JSON documents, else byte for byte. */
    public static void body(byte[] a, byte[] b, List<Difference> out) {
        if (Arrays.equals(a, b)) {
            return;
        }
        JsonNode ja = parse(a);
        JsonNode jb = parse(b);
        if (ja != null && jb != null) {
            json("$", ja, jb, out);
            return;
        }
        int at = Arrays.mismatch(a, b);
        out.add(new Difference("body", a.length + " bytes", b.length + " bytes, differing from byte " + at));
    }

    /** The JSON document in these bytes (an object or an array), or null. */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        int i = 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        if (i == body.length || body[i] != '{' && body[i] != '[') {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }

    private static void json(String path, JsonNode a, JsonNode b, List<Difference> out) {
        if (out.size() >= MAX_DIFFERENCES) {
            return;
        }
        if (a.isObject() && b.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                var f = it.next();
                String p = IgnorePaths.field(path, f.getKey());
                JsonNode other = b.get(f.getKey());
                if (other == null) {
                    add(out, new Difference(p, text(f.getValue()), Difference.ABSENT));
                } else {
                    json(p, f.getValue(), other, out);
                }
            }
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!a.has(k)) {
                    add(out, new Difference(IgnorePaths.field(path, k), Difference.ABSENT, text(b.get(k))));
                }
            }
        } else if (a.isArray() && b.isArray()) {
            int n = Math.max(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                String p = path + "[" + i + "]";
                if (i >= b.size()) {
                    add(out, new Difference(p, text(a.get(i)), Difference.ABSENT));
                } else if (i >= a.size()) {
                    add(out, new Difference(p, Difference.ABSENT, text(b.get(i))));
                } else {
                    json(p, a.get(i), b.get(i), out);
                }
            }
        } else if (!a.equals(b)) {
            add(out, new Difference(path, text(a), text(b)));
        }
    }

    private static void add(List<Difference> out, Difference d) {
        if (out.size() < MAX_DIFFERENCES) {
            out.add(d);
        }
    }

    private static String text(JsonNode n) {
        String s = n.toString();
        return s.length() <= MAX_VALUE_TEXT ? s : s.substring(0, MAX_VALUE_TEXT) + "…";
    }

    private static String status(Answer a) {
        return a.answered() ? Integer.toString(a.status()) : "no answer";
    }

    /** {@code application/json; charset=UTF-8} and {@code application/json;charset=utf-8} are the same type. */
    private static String headerValue(String name, String v) {
        if (v == null) {
            return null;
        }
        String t = v.strip();
        return name.equals("content-type") ? t.toLowerCase(Locale.ROOT).replace(" ", "") : t;
    }

    /** A body as text for a report: UTF-8, cut at {@code max} characters. */
    public static String excerpt(byte[] body, int max) {
        String s = new String(body, 0, Math.min(body.length, max * 4), StandardCharsets.UTF_8);
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
