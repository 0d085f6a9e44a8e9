package io.imago.providers.spi.shadow;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON paths a comparison leaves out. A pattern is a small JSONPath: {@code $.servedAt}, {@code $.items[*].id},
 * {@code $..etag} (at any depth), {@code $.meta.*}; a bare name ({@code email_domain}, as the {@code compare} check has
 * always taken) means that field at any depth. A pattern that matches a path's beginning leaves out the whole subtree.
 * Concrete paths are written the same way: {@code $.items[3].id}; {@link #normalize} turns indices into {@code [*]}.
 */
public final class IgnorePaths {
    private sealed interface Token {}

    private record Field(String name) implements Token {}

    private record AnyField() implements Token {}

    private record Index(int i) implements Token {}

    private record AnyIndex() implements Token {}

    private record Deep() implements Token {}

    private final List<List<Token>> patterns;

    private IgnorePaths(List<List<Token>> patterns) {
        this.patterns = patterns;
    }

    public static final IgnorePaths NONE = new IgnorePaths(List.of());

    public static IgnorePaths of(List<String> patterns) {
        List<List<Token>> out = new ArrayList<>();
        for (String p : patterns) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue;
            }
            out.add(t.startsWith("$") ? parse(t) : List.of(new Deep(), new Field(t)));
        }
        return new IgnorePaths(List.copyOf(out));
    }

    /** True when some pattern matches this concrete path or one of its ancestors. */
    public boolean ignores(String path) {
        if (patterns.isEmpty() || !path.startsWith("$")) {
            return false;
        }
        List<Token> concrete = parse(path);
        for (List<Token> p : patterns) {
            if (match(p, 0, concrete, 0)) {
                return true;
            }
        }
        return false;
    }

    /** {@code $.items[3].id} becomes {@code $.items[*].id}: the same field of every item counts as one. */
    public static String normalize(String path) {
        return path.replaceAll("\\[\\d+]", "[*]");
    }

    /** The child path of a field, quoted when the name is not a plain identifier. */
    public static String field(String parent, String name) {
        return name.matches("[A-Za-z_$][A-Za-z0-9_$-]*") ? parent + "." + name : parent + "['" + name.replace("'", "\\'") + "']";
    }

    private static boolean match(List<Token> p, int pi, List<Token> c, int ci) {
        if (pi == p.size()) {
            return true; // the pattern matched a prefix: the subtree is left out
        }
        Token t = p.get(pi);
        if (t instanceof Deep) {
            for (int k = ci; k < c.size(); k++) {
                if (match(p, pi + 1, c, k)) {
                    return true;
                }
            }
            return false;
        }
        if (ci == c.size()) {
            return false;
        }
        Token x = c.get(ci);
        boolean ok;
        if (t instanceof Field f) {
            ok = x instanceof Field g && g.name().equals(f.name());
        } else if (t instanceof AnyField) {
            ok = x instanceof Field;
        } else if (t instanceof Index i) {
            ok = x instanceof Index j && j.i() == i.i() || x instanceof AnyIndex;
        } else {
            ok = x instanceof Index || x instanceof AnyIndex;
        }
        return ok && match(p, pi + 1, c, ci + 1);
    }

    /** Tokens of {@code $...}; text it cannot read is taken as one field name (so a typo ignores nothing silently broad). */
    private static List<Token> parse(String s) {
        List<Token> out = new ArrayList<>();
        int i = 1;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (s.startsWith("..", i)) {
                out.add(new Deep());
                i += 2;
                int end = nameEnd(s, i);
                if (end > i) {
                    out.add(name(s.substring(i, end)));
                    i = end;
                }
            } else if (ch == '.') {
                int end = nameEnd(s, i + 1);
                out.add(name(s.substring(i + 1, end)));
                i = end;
            } else if (ch == '[') {
                int close = s.indexOf(']', i);
                if (close < 0) {
                    return List.of(new Field(s));
                }
                String inner = s.substring(i + 1, close).strip();
                if (inner.equals("*")) {
                    out.add(new AnyIndex());
                } else if (inner.matches("\\d+")) {
                    out.add(new Index(Integer.parseInt(inner)));
                } else if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'") || inner.startsWith("\"") && inner.endsWith("\""))) {
                    out.add(new Field(inner.substring(1, inner.length() - 1).replace("\\'", "'")));
                } else {
                    return List.of(new Field(s));
                }
                i = close + 1;
            } else {
                return List.of(new Field(s));
            }
        }
        return out;
    }

    private static Token name(String n) {
        return n.equals("*") ? new AnyField() : new Field(n);
    }

    private static int nameEnd(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) != '.' && s.charAt(i) != '[') {
            i++;
        }
        return i;
    }
}
