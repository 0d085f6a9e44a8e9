package io.imago.cli;

import java.util.Locale;

/** Text and numbers as the timeline's SVG and HTML write them: escaped, and the same on every machine. */
final class Xml {
    private Xml() {}

    /**
     * {@code s} safe in XML and HTML text and in quoted attribute values: {@code & < > " '} escaped, and the characters
     * XML 1.0 cannot carry (control characters other than tab and line breaks, lone surrogates) dropped.
     */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    boolean allowed = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF)
                            || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
                    if (allowed) {
                        b.appendCodePoint(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A coordinate to the hundredth, without trailing zeros, whatever the default locale: {@code 12.5}, {@code 40}. */
    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.2f", Math.abs(v) < 0.005 ? 0.0 : v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }
}
