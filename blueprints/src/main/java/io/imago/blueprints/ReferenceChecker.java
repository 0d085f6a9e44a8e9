package io.imago.blueprints;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Checks the {@code ${...}} references of a value when the blueprint is loaded, so a typo is
 * refused before anything is rented rather than found by an instance that fails to start.
 */
final class ReferenceChecker {
    private static final List<String> SUGGESTIONS = suggestions();

    private final boolean hasDatabase;
    private final Function<String, String> environment;
    private final Diagnostics d;

    ReferenceChecker(boolean hasDatabase, Function<String, String> environment, Diagnostics d) {
        this.hasDatabase = hasDatabase;
        this.environment = environment;
        this.d = d;
    }

    void check(String value, SourcePos pos) {
        check(value, pos, false);
    }

    /**
     * Checks one element of a compute group's {@code run}: besides the names, refuses references
     * to secrets, because a process's arguments are readable by every local user ({@code ps},
     * {@code /proc/PID/cmdline}); its environment is readable only by its owner.
     */
    void checkArgument(String value, SourcePos pos) {
        check(value, pos, true);
    }

    /**
     * Checks a value of {@code database.external}: only {@code ${secret:NAME}} and {@code ${env:NAME}} resolve
     * there; {@code ${database.*}} would be the external database's own values, {@code ${ingress.url}} does not
     * exist yet when the database is reached.
     */
    void checkExternal(String value, SourcePos pos) {
        References.Scan scan = References.scan(value);
        for (References.Ref ref : scan.refs()) {
            if (References.FIXED.contains(ref.name())) {
                d.error(pos, "'${" + ref.name() + "}' cannot be used in database.external",
                        "only '${secret:NAME}' and '${env:NAME}' resolve there");
            } else {
                checkName(ref.name(), pos);
            }
        }
        if (scan.unclosedAt() >= 0) {
            d.error(pos, "unclosed '${' in a value of database.external", "write '$${' for a literal '${'");
        }
    }

    private void check(String value, SourcePos pos, boolean argument) {
        References.Scan scan = References.scan(value);
        for (References.Ref ref : scan.refs()) {
            checkName(ref.name(), pos);
            if (argument && References.isSecret(ref.name())) {
                String shown = "'${" + ref.name() + "}'";
                String what = ref.name().equals("database.url") ? shown + " carries the database password: in 'run' it" : shown + " in 'run'";
                d.error(pos, what + " would be readable by every local user in the process list",
                        "pass it through 'env:' instead, e.g. 'env: { " + suggestedVariable(ref.name()) + ": ${" + ref.name() + "} }'");
            }
        }
        if (scan.unclosedAt() >= 0) {
            d.error(pos, "unclosed '${' in '" + value + "'", "write '$${' for a literal '${'");
        }
    }

    private void checkName(String name, SourcePos pos) {
        String shown = "'${" + name + "}'";
        if (name.startsWith(References.ENV_PREFIX)) {
            String variable = name.substring(References.ENV_PREFIX.length());
            if (variable.isEmpty()) {
                d.error(pos, "missing variable name in " + shown, "write e.g. '${env:HOME}'");
            } else if (environment.apply(variable) == null) {
                // The engine resolves at apply time from the same environment; failing now is kinder.
                d.error(pos, "environment variable '" + variable + "' is not set");
            }
        } else if (name.startsWith(References.SECRET_PREFIX)) {
            if (name.length() == References.SECRET_PREFIX.length()) {
                d.error(pos, "missing secret name in " + shown, "write e.g. '${secret:db-password}'");
            }
        } else if (References.FIXED.contains(name)) {
            if (name.startsWith("database.") && !hasDatabase) {
                d.error(pos, shown + " needs a 'database' section");
            }
        } else {
            d.error(pos, "unknown reference " + shown, suggest(name));
        }
    }

    private static String suggestedVariable(String name) {
        return switch (name) {
            case "database.url" -> "DB_URL";
            case "database.password" -> "DB_PASSWORD";
            default -> {
                String v = name.substring(References.SECRET_PREFIX.length()).toUpperCase(java.util.Locale.ROOT)
                        .replaceAll("[^A-Z0-9_]", "_");
                yield v.isEmpty() || Character.isDigit(v.charAt(0)) ? "SECRET_" + v : v;
            }
        };
    }

    /** For {@code evn:HOME} the prefix is the typo, so the suggestion keeps the user's variable name. */
    private static String suggest(String name) {
        int colon = name.indexOf(':');
        if (colon >= 0) {
            String rest = name.substring(colon + 1);
            var prefix = DidYouMean.closest(name.substring(0, colon + 1),
                    List.of(References.ENV_PREFIX, References.SECRET_PREFIX));
            if (prefix.isPresent()) {
                return "did you mean '${" + prefix.get() + rest + "}'?";
            }
        }
        return DidYouMean.closest(name, SUGGESTIONS).map(c -> "did you mean '${" + c + "}'?").orElse(null);
    }

    private static List<String> suggestions() {
        List<String> all = new ArrayList<>(References.FIXED);
        all.add("env:NAME");
        all.add("secret:NAME");
        return List.copyOf(all);
    }
}
