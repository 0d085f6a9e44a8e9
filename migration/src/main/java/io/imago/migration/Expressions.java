package io.imago.migration;

import java.util.Optional;

/**
 * Whether a blueprint's SQL (an {@code addColumns} expression or a {@code where}) is ONE expression that stays inside
 * the parentheses Imago wraps it in. The SQL Imago builds pastes it as {@code (expression)}; the driver splits a
 * string at a {@code ;} outside quotes and runs every part, so {@code true); DELETE FROM t; SELECT (1} would run a
 * DELETE, and {@code true) OR (...) OR (true} would step out of the wrapper. Such text is refused by the planner
 * before any of it reaches a database. (Expressions are evaluated by the TARGET only, in read-only transactions
 * wherever Imago only reads: this check is the first line, not the only one.)
 *
 * <p>Scans like PostgreSQL's lexer does for what matters here: {@code '...'} strings (with {@code ''}, and
 * backslash escapes in {@code E'...'}), {@code "..."} identifiers, {@code $tag$...$tag$} strings, {@code --}
 * and (nested) {@code /* *}{@code /} comments, and parentheses.
 */
final class Expressions {
    private Expressions() {
    }

    /** Why {@code sql} is not one expression (empty when it is). */
    static Optional<String> problem(String sql) {
        if (sql == null || sql.isBlank()) {
            return Optional.of("is empty");
        }
        int depth = 0;
        int n = sql.length();
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            switch (c) {
                case '\'' -> {
                    boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                            && (i < 2 || !Character.isLetterOrDigit(sql.charAt(i - 2)) && sql.charAt(i - 2) != '_');
                    i = closeQuote(sql, i, '\'', escapes);
                    if (i < 0) {
                        return Optional.of("has a string that is never closed");
                    }
                }
                case '"' -> {
                    i = closeQuote(sql, i, '"', false);
                    if (i < 0) {
                        return Optional.of("has a quoted identifier that is never closed");
                    }
                }
                case '$' -> {
                    int end = dollarTagEnd(sql, i);
                    if (end > 0) {
                        String tag = sql.substring(i, end + 1);
                        int close = sql.indexOf(tag, end + 1);
                        if (close < 0) {
                            return Optional.of("has a $-quoted string that is never closed");
                        }
                        i = close + tag.length() - 1;
                    }
                }
                case '-' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '-') {
                        return Optional.of("has a -- comment (it would comment out the rest of the statement)");
                    }
                }
                case '/' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '*') {
                        i = closeBlockComment(sql, i);
                        if (i < 0) {
                            return Optional.of("has a /* comment that is never closed");
                        }
                    }
                }
                case '(' -> depth++;
                case ')' -> {
                    if (--depth < 0) {
                        return Optional.of("closes a parenthesis it did not open");
                    }
                }
                case ';' -> {
                    return Optional.of("contains ';' (one expression, not statements)");
                }
                default -> {
                }
            }
        }
        return depth == 0 ? Optional.empty() : Optional.of("leaves a parenthesis open");
    }

    /** The index of the closing quote of the quoted text opening at {@code open}, or -1. */
    private static int closeQuote(String s, int open, char q, boolean backslashEscapes) {
        for (int i = open + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i++;
            } else if (c == q) {
                if (i + 1 < s.length() && s.charAt(i + 1) == q) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The index of the second {@code $} of a dollar-quote tag opening at {@code open}, or -1 when it is not one ({@code $1}). */
    private static int dollarTagEnd(String s, int open) {
        if (open > 0 && (Character.isLetterOrDigit(s.charAt(open - 1)) || s.charAt(open - 1) == '_')) {
            return -1; // part of an identifier such as a$b
        }
        for (int i = open + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '$') {
                return i;
            }
            if (!(Character.isLetter(c) || c == '_' || i > open + 1 && Character.isDigit(c))) {
                return -1;
            }
        }
        return -1;
    }

    private static int closeBlockComment(String s, int open) {
        int depth = 0;
        for (int i = open; i + 1 < s.length(); i++) {
            if (s.charAt(i) == '/' && s.charAt(i + 1) == '*') {
                depth++;
                i++;
            } else if (s.charAt(i) == '*' && s.charAt(i + 1) == '/') {
                if (--depth == 0) {
                    return i + 1;
                }
                i++;
            }
        }
        return -1;
    }
}
