package io.imago.engine;

import io.imago.blueprints.DatabaseUrl;
import io.imago.blueprints.ExternalDatabaseSpec;
import io.imago.blueprints.References;
import io.imago.migration.ExternalServer;
import io.imago.migration.PgEndpoint;
import io.imago.migration.PgErrors;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.state.StateStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code database.external}: a PostgreSQL server Imago does not own, on any provider. The engine uses it instead of
 * the provider's own database service when the blueprint says {@code external} (see {@link WithExternalDatabases}).
 *
 * <p>Imago creates nothing there but the application's role (when the blueprint names none), a reader role (when
 * the admin may create one), and what the engine puts there as for any database: the schema and its markers
 * ({@code imago_meta}), the fence's record ({@code imago}), its slot and publication. {@link #destroy} never drops
 * the server, the database or any table: it drops only the roles Imago created.
 *
 * <p>Credentials: the blueprint's values are kept as written ({@code ${secret:NAME}}, {@code ${env:NAME}}) in the
 * resource's attributes and resolved at each use through the universe's provider's secret store; the passwords Imago
 * generates for its own roles are kept in {@link ExternalRecords}. The admin's password is never stored.
 */
final class ExternalDatabases implements DatabaseService {
    static final String KIND = "database";
    /** The attribute that marks a database resource as external, and routes it here. */
    static final String EXTERNAL = "external";
    static final String URL = "url";
    static final String ADMIN_USER = "adminUser";
    static final String ADMIN_PASSWORD = "adminPassword";
    static final String APP_USER = "appUser";
    static final String APP_PASSWORD = "appPassword";
    static final String READER = "reader";
    static final String CREATED_ROLES = "createdRoles";

    private final ExternalRecords records;
    private final StateStore store;
    private final String providerType;
    private final Function<String, Optional<String>> secrets;
    private final Consumer<String> info;
    private final Consumer<String> warn;
    /** Values resolved from {@code ${secret:NAME}} in this run, taken out of messages built from server errors. */
    private final Set<String> secretValues = ConcurrentHashMap.newKeySet();

    /**
     * @param secrets the universe's provider's secret store, for {@code ${secret:NAME}}
     */
    ExternalDatabases(StateStore store, String providerType, Function<String, Optional<String>> secrets, Consumer<String> info,
            Consumer<String> warn) {
        this.records = new ExternalRecords(store.providerDir("external"));
        this.store = store;
        this.providerType = providerType;
        this.secrets = secrets;
        this.info = info;
        this.warn = warn;
    }

    static boolean isExternal(Resource r) {
        return "true".equals(r.attr(EXTERNAL));
    }

    /** The role Imago creates for the application when the blueprint names none; unique per universe, for a shared server. */
    static String appRole(String universe) {
        return "imago_" + universe.replace('-', '_') + "_app";
    }

    static String readerRole(String universe) {
        return "imago_" + universe.replace('-', '_') + "_reader";
    }

    /** Without the blueprint's {@code external} block there is nothing to adopt, except a database this state already uses. */
    @Override
    public Resource create(DatabaseRequest request) {
        return records.record(request.universe()).map(a -> new Resource(KIND, request.name(), a))
                .orElseThrow(() -> new ProviderException("universe " + request.universe() + " names no external database (database.external)"));
    }

    /**
     * Connects as the admin, creates the application's role when the blueprint names none (and a reader role when the
     * admin may), gives the application's role DML on the tables; applies nothing else. Idempotent: a re-run after a
     * kill finishes the job with the passwords stored the first time.
     */
    Resource create(DatabaseRequest request, ExternalDatabaseSpec spec) {
        String u = request.universe();
        Map<String, String> before = records.record(u).orElse(Map.of());
        DatabaseUrl url = url(spec.url(), u);
        Map<String, String> attrs = new TreeMap<>();
        attrs.put("universe", u);
        attrs.put(EXTERNAL, "true");
        attrs.put(URL, spec.url());
        if (!spec.url().contains("${" + References.SECRET_PREFIX)) {
            // Where it is, for status and for messages when the references cannot be resolved; not when a secret says so.
            attrs.put("host", url.host());
            attrs.put("port", Integer.toString(url.port()));
            attrs.put("database", url.database());
            if (before.containsKey("host") && !(url.host().equals(before.get("host")) && attrs.get("port").equals(before.get("port"))
                    && url.database().equals(before.get("database")))) {
                throw new ProviderException("database.external.url of " + u + " now points at " + url + ", but " + u + " was created on "
                        + new DatabaseUrl(before.get("host"), Integer.parseInt(before.get("port")), before.get("database"))
                        + ": destroy " + u + " first (`imago destroy " + u + "`) to move it");
            }
        }
        attrs.put(ADMIN_USER, spec.user());
        attrs.put(ADMIN_PASSWORD, spec.password());
        Set<String> created = new LinkedHashSet<>(roles(before.get(CREATED_ROLES)));
        PgEndpoint admin = endpoint(url, resolve(spec.user(), u), resolve(spec.password(), u));
        ExternalServer.Facts facts = facts(admin, url, u);
        attrs.put("version", Integer.toString(facts.major()));
        // Recorded before anything is created there: a kill from here on leaves a record destroy finds.
        records.saveRecord(u, withRoles(attrs, created));
        String appUser;
        try {
            if (spec.appUser() == null) {
                appUser = appRole(u);
                String pw = ownRole(admin, u, appUser, created);
                ExternalServer.ensureLoginRole(admin, appUser, pw);
                attrs.put(APP_USER, appUser);
            } else {
                appUser = resolve(spec.appUser(), u);
                attrs.put(APP_USER, spec.appUser());
                attrs.put(APP_PASSWORD, spec.appPassword());
                checkAppLogin(admin, url, appUser, resolve(spec.appPassword(), u), u);
            }
            ExternalServer.grantDml(admin, appUser);
            reader(admin, u, created).ifPresent(r -> attrs.put(READER, r));
        } catch (SQLException e) {
            throw new ProviderException("cannot prepare the external database " + url + " of " + u + ": " + scrub(e), e);
        }
        Map<String, String> done = withRoles(attrs, created);
        records.saveRecord(u, done);
        info.accept("using the external database " + url + " for " + u + " (imago owns none of it; roles it created: "
                + (created.isEmpty() ? "none" : String.join(", ", created)) + ")");
        return new Resource(KIND, request.name(), done);
    }

    /**
     * A role Imago creates: its password is generated and stored before the server sees it; a role of that name that
     * exists while this state has no password for it is someone else's, and is left alone.
     */
    private String ownRole(PgEndpoint admin, String universe, String role, Set<String> created) throws SQLException {
        if (records.password(universe, role).isEmpty() && ExternalServer.roleExists(admin, role)) {
            throw new ProviderException("role " + role + " already exists on the external database of " + universe
                    + " but this state did not create it: drop it, or name it in database.external.appUser with its appPassword");
        }
        String pw = records.generate(universe, role);
        created.add(role);
        records.saveRecord(universe, withRoles(records.record(universe).orElse(Map.of()), created));
        return pw;
    }

    /** The reader role, when the admin may create it with REPLICATION and SELECT on every table; else Imago reads as the admin. */
    private Optional<String> reader(PgEndpoint admin, String universe, Set<String> created) throws SQLException {
        String role = readerRole(universe);
        if (records.password(universe, role).isEmpty() && ExternalServer.roleExists(admin, role)) {
            warn.accept("role " + role + " exists on the external database of " + universe + " but this state did not create it: "
                    + "imago reads that database as its admin role instead");
            return Optional.empty();
        }
        String pw = records.generate(universe, role);
        boolean existedBefore = created.contains(role);
        created.add(role);
        records.saveRecord(universe, withRoles(records.record(universe).orElse(Map.of()), created));
        Optional<String> refused = ExternalServer.ensureReader(admin, role, pw);
        if (refused.isPresent()) {
            if (!existedBefore || !ExternalServer.roleExists(admin, role)) {
                created.remove(role);
            }
            info.accept("no read-only role on the external database of " + universe + " (the admin cannot make one: " + refused.get()
                    + "); imago reads it as the admin role");
            return Optional.empty();
        }
        return Optional.of(role);
    }

    private void checkAppLogin(PgEndpoint admin, DatabaseUrl url, String appUser, String appPassword, String universe) throws SQLException {
        if (!ExternalServer.roleExists(admin, appUser)) {
            throw new ProviderException("role " + appUser + " (database.external.appUser of " + universe + ") does not exist on " + url
                    + ": create it, or leave appUser out and imago creates one");
        }
        try (Connection c = endpoint(url, appUser, appPassword).connectBrief()) {
            c.isValid(5);
        } catch (SQLException e) {
            throw new ProviderException("cannot log in to " + url + " as " + appUser + " (database.external.appUser of " + universe
                    + ") with its appPassword: " + scrub(e), e);
        }
    }

    @Override
    public DatabaseCredentials credentials(Resource database, boolean admin) {
        Map<String, String> a = database.attrs();
        String u = a.get("universe");
        DatabaseUrl url = url(a.get(URL), u);
        if (admin) {
            return new DatabaseCredentials(url.host(), url.port(), url.database(), resolve(a.get(ADMIN_USER), u), resolve(a.get(ADMIN_PASSWORD), u));
        }
        String user = resolve(a.get(APP_USER), u);
        String password = a.containsKey(APP_PASSWORD) ? resolve(a.get(APP_PASSWORD), u) : records.password(u, user)
                .orElseThrow(() -> new ProviderException("the password of role " + user + ", which imago created on the external database of " + u
                        + ", is missing from " + records.secretsFile(u) + ": restore that file, or set a new password for the role and name it "
                        + "in database.external.appUser/appPassword"));
        return new DatabaseCredentials(url.host(), url.port(), url.database(), user, password);
    }

    @Override
    public DatabaseCredentials readerCredentials(Resource database) {
        Map<String, String> a = database.attrs();
        String u = a.get("universe");
        String reader = a.get(READER);
        Optional<String> pw = reader == null ? Optional.empty() : records.password(u, reader);
        if (pw.isEmpty()) {
            return credentials(database, true);
        }
        DatabaseUrl url = url(a.get(URL), u);
        return new DatabaseCredentials(url.host(), url.port(), url.database(), reader, pw.get());
    }

    /** Imago does not start a server it does not own: it only checks that this one answers. */
    @Override
    public void ensureRunning(Resource database) {
        DatabaseCredentials c = credentials(database, true);
        try (Connection conn = SnapshotStep.endpoint(c).connectBrief()) {
            conn.isValid(5);
        } catch (SQLException e) {
            throw new ProviderException("the external database " + where(database) + " does not answer: " + scrub(e)
                    + " (imago does not start servers it does not own)", e);
        }
    }

    /**
     * Leaves the server, the database and every table and row in place; drops only the roles Imago created there (a
     * role that still owns something, or is granted something elsewhere, stays, and is named).
     */
    @Override
    public void destroy(Resource database) {
        String u = database.attr("universe");
        Map<String, String> a = new TreeMap<>(records.record(u).orElse(Map.of()));
        a.putAll(database.attrs());
        // The record may know of roles created after the state's copy was taken (a kill in between).
        Set<String> created = new LinkedHashSet<>(roles(database.attr(CREATED_ROLES)));
        records.record(u).ifPresent(r -> created.addAll(roles(r.get(CREATED_ROLES))));
        Resource r = new Resource(KIND, database.id(), a);
        List<String> left = new ArrayList<>();
        if (!created.isEmpty()) {
            try {
                PgEndpoint admin = SnapshotStep.endpoint(credentials(r, true));
                for (String role : created) {
                    Optional<String> stays = ExternalServer.dropRole(admin, role);
                    if (stays.isPresent()) {
                        left.add(role);
                        warn.accept("role " + role + " stays on the external database " + where(r) + ": " + stays.get()
                                + " (drop it by hand once nothing uses it: DROP ROLE " + role + ")");
                    } else {
                        info.accept("dropped role " + role + " on the external database " + where(r));
                    }
                }
            } catch (SQLException | ProviderException e) {
                warn.accept("could not drop the role(s) " + String.join(", ", created) + " imago created on the external database " + where(r)
                        + " (" + (e instanceof SQLException ? scrub(e) : e.getMessage()) + "): drop them by hand once nothing uses "
                        + "them (DROP ROLE name)");
            }
        }
        info.accept("left the external database " + where(r) + " and its data in place: imago does not own it");
        records.delete(u);
    }

    /** What this state records: the resource in the universe's state, and the record written before the server was touched. */
    @Override
    public List<Resource> list(String universe) {
        Map<String, Resource> out = new LinkedHashMap<>();
        store.universe(universe).ifPresent(s -> s.resources(KIND).stream().map(Resources::resource).filter(ExternalDatabases::isExternal)
                .forEach(r -> out.put(r.id(), r)));
        records.record(universe).ifPresent(a -> out.putIfAbsent(universe + "-db", new Resource(KIND, universe + "-db", a)));
        return List.copyOf(out.values());
    }

    /** Answers a connection: a TCP connect to its port within 3 s (no credentials needed, so status works without the secrets). */
    @Override
    public boolean alive(Resource database) {
        DatabaseUrl url;
        try {
            url = url(database.attr(URL), database.attr("universe"));
        } catch (ProviderException e) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.host(), url.port()), 3000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The server's facts as its admin sees them; a server that does not answer is a failure before anything is created. */
    ExternalServer.Facts facts(PgEndpoint admin, DatabaseUrl url, String universe) {
        try {
            return ExternalServer.facts(admin);
        } catch (SQLException e) {
            throw new ProviderException("cannot connect to the external database " + url + " of " + universe + " as its admin (database.external.user): "
                    + scrub(e), e);
        }
    }

    /** Where the database is, for messages: its URL without credentials, or the URL as written when a secret says where. */
    static String where(Resource r) {
        return r.attr("host") != null ? new DatabaseUrl(r.attr("host"), Integer.parseInt(r.attr("port")), r.attr("database")).toString()
                : String.valueOf(r.attr(URL));
    }

    DatabaseUrl url(String template, String universe) {
        String text = resolve(template, universe);
        try {
            return DatabaseUrl.parse(text);
        } catch (IllegalArgumentException e) {
            // Resolved from references: not repeated, it may hold a secret.
            throw new Unresolved("database.external.url of " + universe + " (" + template + ") " + e.getMessage() + " once resolved");
        }
    }

    /** Resolves {@code ${secret:NAME}} and {@code ${env:NAME}}; the message names the reference, never a value. */
    String resolve(String template, String universe) {
        return References.resolve(template, key -> {
            if (key.startsWith(References.ENV_PREFIX)) {
                String v = System.getenv(key.substring(References.ENV_PREFIX.length()));
                if (v == null) {
                    throw new Unresolved("${" + key + "} (database.external of " + universe + ") is not set in imago's environment");
                }
                return v;
            }
            if (key.startsWith(References.SECRET_PREFIX)) {
                String name = key.substring(References.SECRET_PREFIX.length());
                String v = secrets.apply(name).orElseThrow(() -> new Unresolved("secret '" + name + "' (database.external of " + universe
                        + ") is not in the " + providerType + " provider's secret store"));
                if (v.length() >= 3) {
                    secretValues.add(v);
                }
                return v;
            }
            throw new Unresolved("${" + key + "} cannot be used in database.external (of " + universe + ")");
        });
    }

    /**
     * A server's error, for a message: without any value a secret reference resolved to (the server names the user
     * that failed to log in, and a user may come from the secret store).
     */
    String scrub(Throwable e) {
        String m = e instanceof SQLException ? PgErrors.rootMessage(e) : e.getMessage();
        for (String v : secretValues) {
            m = m.replace(v, "<secret>");
        }
        return m;
    }

    static PgEndpoint endpoint(DatabaseUrl url, String user, String password) {
        return new PgEndpoint(url.host(), url.port(), url.database(), user, password);
    }

    private static Map<String, String> withRoles(Map<String, String> attrs, Set<String> created) {
        Map<String, String> out = new TreeMap<>(attrs);
        out.put(CREATED_ROLES, String.join(",", created));
        return out;
    }

    private static List<String> roles(String list) {
        return list == null || list.isBlank() ? List.of() : Arrays.asList(list.split(","));
    }

    /** A reference in database.external that cannot be resolved now: bad input when found before anything is rented. */
    static final class Unresolved extends ProviderException {
        Unresolved(String message) {
            super(message);
        }
    }
}
