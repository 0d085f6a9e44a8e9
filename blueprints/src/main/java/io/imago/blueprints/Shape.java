package io.imago.blueprints;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * What one value of a blueprint may be, as data: {@link BlueprintFormat} describes blueprint v1 with these, the
 * readers take field names and closed sets from it ({@link KnownFields}), and {@link BlueprintSchema} turns it into
 * the JSON Schema editors use. Only what the parser checks by shape is here; rules that need more than one value
 * (duplicates, references, files that must exist) stay in the readers.
 */
sealed interface Shape {

    /**
     * Any scalar, read as its text ({@code version: 16} means "16"); with a pattern, a string matching it.
     *
     * @param pattern a regular expression the whole text must match, or null
     * @param sample a valid value, for tests that build blueprints from this description
     */
    record Text(String pattern, String sample) implements Shape {
        static final Text ANY = new Text(null, "x");
    }

    /** A path relative to the blueprint's folder, to a file that must exist when the blueprint is read. */
    record File(String sample) implements Shape {}

    /** A name that ends up in resource names and paths ({@link Names}). */
    record Name() implements Shape {}

    /** One of a closed set of words. */
    record Choice(List<String> values) implements Shape {}

    /** A whole number between {@code min} and {@code max}, both included. */
    record Int(long min, long max) implements Shape {}

    /** A number, at least {@code min}. */
    record Decimal(BigDecimal min) implements Shape {}

    record Bool() implements Shape {}

    /** Exactly this value ({@code imago: 1}). */
    record Const(Object value) implements Shape {}

    /**
     * A duration in {@link Durations}' syntax, or one of {@code words} ({@code never}); {@code positive} when the
     * parser refuses 0.
     */
    record Duration(boolean positive, List<String> words) implements Shape {
        static final Duration PLAIN = new Duration(false, List.of());
        static final Duration POSITIVE = new Duration(true, List.of());
    }

    /** A list of {@code items}; {@code nonEmpty} when the parser refuses an empty one. */
    record ListOf(Shape items, boolean nonEmpty) implements Shape {}

    /** A mapping of free keys (matching {@code keyPattern} when not null) to {@code values}. */
    record MapOf(Shape values, String keyPattern, String keyHint) implements Shape {}

    /**
     * A mapping of known fields. {@code others} is null for a closed section (an unknown key is an error) and the shape
     * of every other key's value for an open one ({@code provider:}, whose keys belong to the provider).
     */
    record Obj(List<Prop> props, Shape others) implements Shape {
        Optional<Prop> prop(String name) {
            return props.stream().filter(p -> p.name().equals(name)).findFirst();
        }

        /** The names the parser knows, in the order hints list them. */
        List<String> names() {
            return props.stream().filter(Prop::read).map(Prop::name).toList();
        }
    }

    /** A mapping with exactly one of these keys, which says what kind of thing it is (a check in {@code validate:}). */
    record OneKey(List<Prop> kinds) implements Shape {
        List<String> names() {
            return kinds.stream().filter(Prop::read).map(Prop::name).toList();
        }
    }

    /** Either of these shapes ({@code tables: all}, or a list). */
    record Either(Shape first, Shape second) implements Shape {}

    /**
     * One field of a mapping.
     *
     * @param required the parser refuses the mapping without it
     * @param requiredOn provider types on which the parser refuses a mapping without it ({@code run} on local)
     * @param defaultValue what the parser takes when it is left out (shown in editors), or null
     * @param read false for a field of blueprint-v1.md the parser does not read yet: the schema describes it, the
     *     parser still refuses it as unknown (rather than ignore it)
     * @param needs fields of the same mapping the parser refuses it without ({@code appUser} needs {@code appPassword})
     */
    record Prop(String name, Shape shape, String description, boolean required, List<String> requiredOn,
            Object defaultValue, boolean read, List<String> needs) {

        static Prop optional(String name, Shape shape, String description) {
            return new Prop(name, shape, description, false, List.of(), null, true, List.of());
        }

        static Prop required(String name, Shape shape, String description) {
            return new Prop(name, shape, description, true, List.of(), null, true, List.of());
        }

        Prop withDefault(Object value) {
            return new Prop(name, shape, description, required, requiredOn, value, read, needs);
        }

        Prop requiredOn(String... providerTypes) {
            return new Prop(name, shape, description, required, List.of(providerTypes), defaultValue, read, needs);
        }

        /** In blueprint-v1.md but not read by this parser yet. */
        Prop notReadYet() {
            return new Prop(name, shape, description, required, requiredOn, defaultValue, false, needs);
        }

        Prop needs(String... others) {
            return new Prop(name, shape, description, required, requiredOn, defaultValue, read, List.of(others));
        }
    }
}
