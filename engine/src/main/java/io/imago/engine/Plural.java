package io.imago.engine;

/** "1 table", "2 tables": English plurals of the nouns Imago counts (all regular, plus the few listed). */
public final class Plural {
    private Plural() {}

    public static String of(long n, String noun) {
        if (n == 1) {
            return noun;
        }
        return switch (noun) {
            case "index" -> "indexes";
            case "change" -> "changes";
            default -> noun.endsWith("s") || noun.endsWith("x") ? noun + "es" : noun + "s";
        };
    }

    /** "1 table", "3 tables". */
    public static String count(long n, String noun) {
        return String.format("%,d", n) + " " + of(n, noun);
    }
}
