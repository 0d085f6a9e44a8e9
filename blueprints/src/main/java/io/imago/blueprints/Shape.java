package io.imago.blueprints;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one value of a blueprint may be, as data: {@link BlueprintFormat} describes blueprint v1 with these, the
 * readers take field names and closed sets from it ({@link KnownFields}), and {@link BlueprintSchema} turns it into
 * the JSON Schema editors use. Only what the parser checks by shape is here, with the fields required under a
 * condition on another value ({@link When}: {@code image} on aws); other rules that need more than one value
 * (duplicates, references, files that must exist, secret env values on aws without {@code provider.instanceProfile})
 * stay in the readers, beyond the schema.
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

    /**
     * A number, at least {@code min} (above it when {@code minExclusive}) and, when {@code max} is not null, at most
     * {@code max}.
     */
    record Decimal(BigDecimal min, boolean minExclusive, BigDecimal max) implements Shape {
        Decimal(BigDecimal min) {
            this(min, false, null);
        }
    }

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
     * {@code closedOn}, when not null, is a value of the mapping's own {@code type} on which it is closed all the same:
     * it then takes only the props that belong to that type ({@link Prop#on}), and on any other type a prop that
     * belongs to it alone is just another key, of the shape {@code others} ({@code provider.network} on local).
     */
    record Obj(List<Prop> props, Shape others, String closedOn) implements Shape {
        Obj(List<Prop> props, Shape others) {
            this(props, others, null);
        }

        public Obj {
            if (closedOn != null && others == null) {
                throw new IllegalArgumentException("closedOn is for an open mapping");
            }
        }

        Optional<Prop> prop(String name) {
            return props.stream().filter(p -> p.name().equals(name)).findFirst();
        }

        /** The names the parser knows, in the order hints list them. */
        List<String> names() {
            return props.stream().filter(Prop::read).map(Prop::name).toList();
        }

        /** The names the parser knows on this value of the mapping's {@code type}, in the order hints list them. */
        List<String> names(String type) {
            return props.stream().filter(p -> p.read() && p.appliesOn(type)).map(Prop::name).toList();
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
     * A condition on another value of the blueprint, under which a field is required ({@code image} when
     * {@code provider.type} is aws).
     *
     * @param field that value's path from the document's root, by field names: {@code provider.type}
     * @param value what it is for the field to be required (its default counts when it is left out)
     * @param why the reason, for the schema's descriptions
     */
    record When(String field, String value, String why) {
        static final String PROVIDER_TYPE = "provider.type";
    }

    /**
     * One field of a mapping.
     *
     * @param required the parser refuses the mapping without it
     * @param requiredWhen conditions on other values under which the parser refuses the mapping without it
     *     ({@code run} when {@code provider.type} is local)
     * @param defaultValue what the parser takes when it is left out (shown in editors), or null
     * @param read false for a field of blueprint-v1.md the parser does not read yet: the schema describes it, the
     *     parser still refuses it as unknown (rather than ignore it)
     * @param needs fields of the same mapping the parser refuses it without ({@code appUser} needs {@code appPassword})
     * @param on the values of its mapping's {@code type} it belongs to ({@code network} is aws's); empty: every one
     */
    record Prop(String name, Shape shape, String description, boolean required, List<When> requiredWhen,
            Object defaultValue, boolean read, List<String> needs, List<String> on) {

        static Prop optional(String name, Shape shape, String description) {
            return new Prop(name, shape, description, false, List.of(), null, true, List.of(), List.of());
        }

        static Prop required(String name, Shape shape, String description) {
            return new Prop(name, shape, description, true, List.of(), null, true, List.of(), List.of());
        }

        Prop withDefault(Object value) {
            return new Prop(name, shape, description, required, requiredWhen, value, read, needs, on);
        }

        /** Required when {@code provider.type} is {@code providerType}, for the reason {@code why}. */
        Prop requiredOn(String providerType, String why) {
            return requiredWhen(When.PROVIDER_TYPE, providerType, why);
        }

        /** Required when the value at {@code field} (a path from the root: {@code ingress.type}) is {@code value}. */
        Prop requiredWhen(String field, String value, String why) {
            List<When> all = new ArrayList<>(requiredWhen);
            all.add(new When(field, value, why));
            return new Prop(name, shape, description, required, List.copyOf(all), defaultValue, read, needs, on);
        }

        /** In blueprint-v1.md but not read by this parser yet. */
        Prop notReadYet() {
            return new Prop(name, shape, description, required, requiredWhen, defaultValue, false, needs, on);
        }

        Prop needs(String... others) {
            return new Prop(name, shape, description, required, requiredWhen, defaultValue, read, List.of(others), on);
        }

        /** Belongs to these values of its mapping's {@code type} only (provider fields to their providers). */
        Prop on(String... types) {
            return new Prop(name, shape, description, required, requiredWhen, defaultValue, read, needs,
                    List.of(types));
        }

        boolean appliesOn(String type) {
            return on.isEmpty() || on.contains(type);
        }
    }
}
