package io.imago.providers.spi.shadow;

/**
 * One way two answers differ: {@code status}, {@code header content-type}, a JSON path ({@code $.email}) or
 * {@code body} (bytes); the old and the new side's values as short text ({@code (absent)} for a missing field).
 */
public record Difference(String path, String old, String neu) {
    public static final String ABSENT = "(absent)";

    /** For people: {@code $.email is "b@x" (old: "a@x")}. */
    public String describe() {
        if (neu.equals(ABSENT)) {
            return path + " is missing (old: " + old + ")";
        }
        if (old.equals(ABSENT)) {
            return path + " is new (" + neu + ")";
        }
        return path + " is " + neu + " (old: " + old + ")";
    }
}
