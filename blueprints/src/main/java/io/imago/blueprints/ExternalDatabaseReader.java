package io.imago.blueprints;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code database.external}. Its values may hold {@code ${secret:NAME}} and {@code ${env:NAME}} (nothing
 * else: the universe's own {@code ${database.*}} would refer to itself); a password must be one such reference,
 * because the values are kept, as written, in the state (the engine resolves them whenever it connects).
 */
final class ExternalDatabaseReader {
    /** Exactly one reference to a secret or an environment variable, nothing around it. */
    private static final Pattern ONE_REFERENCE = Pattern.compile(BlueprintFormat.SECRET_REFERENCE);
    /** An unquoted PostgreSQL identifier: what a role name written in a blueprint may be. */
    private static final Pattern ROLE = Pattern.compile(BlueprintFormat.ROLE_NAME);

    private final ReferenceChecker references;
    private final Diagnostics d;

    ExternalDatabaseReader(ReferenceChecker references, Diagnostics d) {
        this.references = references;
        this.d = d;
    }

    ExternalDatabaseSpec read(Field field) {
        Section s = Section.of(field, KnownFields.EXTERNAL_DATABASE, d);
        if (s == null) {
            return null;
        }
        String url = s.require("url").map(this::url).orElse(null);
        String user = s.require("user").map(f -> role(f, "user")).orElse(null);
        String password = s.require("password").map(this::password).orElse(null);
        Optional<Field> appUserField = s.field("appUser");
        Optional<Field> appPasswordField = s.field("appPassword");
        String appUser = appUserField.map(f -> role(f, "appUser")).orElse(null);
        String appPassword = appPasswordField.map(this::password).orElse(null);
        if (appUserField.isPresent() && appPasswordField.isEmpty()) {
            d.error(appUserField.get().keyPos(), "'appUser' needs 'appPassword'",
                    "the password the application logs in with, e.g. 'appPassword: ${secret:SHOP_DB_APP_PASSWORD}'");
        }
        if (appPasswordField.isPresent() && appUserField.isEmpty()) {
            d.error(appPasswordField.get().keyPos(), "'appPassword' without 'appUser'",
                    "name the application's existing role in 'appUser', or leave both out and imago creates one");
        }
        if (appUser != null && appUser.equals(user)) {
            d.error(appUserField.get().pos(), "'appUser' must be another role than 'user'",
                    "the switch fences the application's role; it cannot fence the role that sets the fence");
        }
        if (url == null || user == null || password == null || (appUser == null) != (appPassword == null)) {
            return null;
        }
        return new ExternalDatabaseSpec(url, user, password, appUser, appPassword, field.keyPos());
    }

    private String url(Field f) {
        String text = checked(f);
        if (text == null) {
            return null;
        }
        if (!References.find(text).isEmpty()) {
            return text; // checked once resolved, when the engine connects
        }
        try {
            DatabaseUrl.parse(text);
        } catch (IllegalArgumentException e) {
            d.error(f.pos(), "'url' " + e.getMessage(), "write it as " + DatabaseUrl.FORM + ", e.g. postgresql://10.0.0.5:5432/shop");
            return null;
        }
        return text;
    }

    /** A role name as written, or a reference to one. */
    private String role(Field f, String what) {
        String text = checked(f);
        if (text == null) {
            return null;
        }
        if (References.find(text).isEmpty() && !ROLE.matcher(text).matches()) {
            d.error(f.pos(), "invalid role name '" + text + "' in '" + what + "'",
                    "use letters, digits and '_', starting with a letter or '_', at most 63 characters");
            return null;
        }
        return text;
    }

    private String password(Field f) {
        String text = checked(f);
        if (text == null) {
            return null;
        }
        if (!ONE_REFERENCE.matcher(text).matches()) {
            // Shown without the text: it may be the password itself.
            d.sensitiveError(f.pos(), "'" + f.name() + "' must be a reference to a secret, not the password itself",
                    "e.g. '" + f.name() + ": ${secret:SHOP_DB_PASSWORD}' (or ${env:NAME}): the blueprint and imago's state keep the text as written");
            return null;
        }
        return text;
    }

    /** The field's text, with its references checked; null when it is not a string (reported). */
    private String checked(Field f) {
        String text = Values.string(f, d);
        if (text != null && f.value() instanceof YamlNode.Scalar v) {
            references.checkExternal(text, v.pos());
        }
        return text;
    }
}
