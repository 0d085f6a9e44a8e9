package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.DatabaseUrl;
import io.imago.blueprints.ExternalDatabaseSpec;
import io.imago.migration.ExternalServer;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Checks the external databases an apply would use, before anything is rented (validate, plan and apply run them,
 * beside the check for tables without a key): the new universe's ({@code database.external}) and the replaced
 * universe's, when that one is external. An external server is not set up by Imago, so what log shipping and the
 * copy need is checked, not assumed: logical decoding on a source, an empty database (or one holding only the tables
 * Imago made there) for a schema to go into, the application's role.
 *
 * <p>A problem is bad input (exit 2, like a table without a key); a server that does not answer fails the command
 * (exit 1); what may bite later is a warning. For {@code validate} the checks are a best effort: a database it cannot
 * reach, or whose secrets are not at hand (a CI job checking blueprints), is skipped; plan and apply are strict.
 */
final class ExternalChecks {
    private final StateStore store;
    private final Reporter reporter;
    private final Function<String, Provider> providers;
    /** Problems that only say a reference cannot be resolved here: not the blueprint's fault when validating elsewhere. */
    private final List<String> unresolved = new ArrayList<>();

    /** @param providers opens the engine's provider of a type, with its external databases */
    ExternalChecks(StateStore store, Reporter reporter, Function<String, Provider> providers) {
        this.store = store;
        this.reporter = reporter;
        this.providers = providers;
    }

    /** For plan and apply: a database that cannot be reached or logged in to fails them. */
    List<String> problems(Blueprint bp) {
        List<String> problems = new ArrayList<>();
        UniverseState existing = store.universe(bp.universe()).orElse(null);
        if (existing != null && existing.stepDone(StepName.SWITCHOVER.name())) {
            return problems; // live: nothing left that these checks protect
        }
        if (bp.database() != null && bp.database().isExternal()) {
            checkNew(bp, problems);
        }
        if (bp.replaces() != null && bp.database() != null) {
            store.universe(bp.replaces()).ifPresent(old -> checkOld(old, problems));
        }
        return problems;
    }

    /** For validate: what the databases it can reach show; one it cannot reach (or log in to) is skipped. */
    List<String> problemsIfReachable(Blueprint bp) {
        try {
            return problems(bp).stream().filter(p -> !unresolved.contains(p)).toList();
        } catch (EngineException | ProviderException e) {
            return List.of();
        }
    }

    private void checkNew(Blueprint bp, List<String> problems) {
        ExternalDatabaseSpec spec = bp.database().external();
        String u = bp.universe();
        ExternalDatabases ext = WithExternalDatabases.external(providers.apply(bp.provider().type()));
        DatabaseUrl url;
        ExternalServer.Facts facts;
        String appUser;
        try {
            url = ext.url(spec.url(), u);
            var admin = ExternalDatabases.endpoint(url, ext.resolve(spec.user(), u), ext.resolve(spec.password(), u));
            appUser = spec.appUser() == null ? null : ext.resolve(spec.appUser(), u);
            facts = ext.facts(admin, url, u);
            if (appUser != null && !ExternalServer.roleExists(admin, appUser)) {
                problems.add("role " + appUser + " (database.external.appUser) does not exist on " + url
                        + ": create it, or leave appUser out and imago creates one");
            }
        } catch (ExternalDatabases.Unresolved e) {
            problems.add(e.getMessage());
            unresolved.add(e.getMessage());
            return;
        } catch (ProviderException e) {
            throw new EngineException(EngineException.Kind.FAILED, e.getMessage() + "; nothing was rented", e);
        } catch (SQLException e) {
            throw new EngineException(EngineException.Kind.FAILED, "cannot check the external database of " + u + ": "
                    + ext.scrub(e) + "; nothing was rented", e);
        }
        String where = "the external database " + url + " of " + u;
        boolean window = bp.replaces() != null && (bp.teardown().keepForever() || !bp.teardown().keepOld().isZero());
        if (!facts.logical() && window) {
            problems.add(where + " has wal_level = " + facts.walLevel() + ", but the rollback window (teardown.keepOld) records "
                    + u + "'s writes there by logical decoding: set wal_level = logical on that server (ALTER SYSTEM SET wal_level = "
                    + "logical, then restart it), or set keepOld: 0");
        } else if (!facts.logical()) {
            reporter.warn(where + " has wal_level = " + facts.walLevel() + ": an upgrade from " + u
                    + " will need wal_level = logical there (ALTER SYSTEM SET wal_level = logical, then restart it)");
        }
        if (bp.database().schema() != null) {
            String marker = "schema:" + bp.database().schema().getFileName();
            if (!facts.publicTables().isEmpty() && !facts.applied().contains(marker)) {
                problems.add(where + " already holds tables imago did not create from " + bp.database().schema().getFileName() + " ("
                        + shortList(facts.publicTables()) + "): imago applies a schema only to a database without tables"
                        + (bp.replaces() != null ? " and never loads a copy into tables it finds: point database.external.url at an empty database"
                        : ": point database.external.url at an empty database, or leave out 'schema' to use the tables as they are"));
            }
        }
        if (spec.appUser() == null && !facts.superuser() && !facts.createRole()) {
            problems.add(where + ": its admin role (database.external.user) cannot create the application's role: grant it CREATEROLE, "
                    + "or name an existing role in database.external.appUser (with appPassword)");
        }
        String major = Integer.toString(facts.major());
        if (!major.equals(bp.database().version())) {
            reporter.warn(where + " runs PostgreSQL " + major + ", the blueprint says version \"" + bp.database().version() + "\"");
        }
    }

    /** The replaced universe's database is the source: log shipping needs logical decoding there, and a role that streams. */
    private void checkOld(UniverseState old, List<String> problems) {
        Resource db = old.resource("database").map(Resources::resource).orElse(null);
        if (db == null || !ExternalDatabases.isExternal(db)) {
            return; // a provider's own server is set up by the provider with logical decoding on
        }
        String where = "the database of " + old.name() + " (external, " + ExternalDatabases.where(db) + ")";
        ExternalServer.Facts facts;
        Provider p = providers.apply(old.provider());
        try {
            var admin = SnapshotStep.endpoint(p.database().credentials(db, true));
            facts = ExternalServer.facts(admin);
        } catch (ExternalDatabases.Unresolved e) {
            problems.add(e.getMessage());
            unresolved.add(e.getMessage());
            return;
        } catch (ProviderException e) {
            throw new EngineException(EngineException.Kind.FAILED, e.getMessage() + "; nothing was rented", e);
        } catch (SQLException e) {
            throw new EngineException(EngineException.Kind.FAILED, "cannot connect to " + where + ": "
                    + WithExternalDatabases.external(p).scrub(e) + "; nothing was rented", e);
        }
        if (!facts.logical()) {
            problems.add(where + " has wal_level = " + facts.walLevel() + ": log shipping from it needs wal_level = logical; set it "
                    + "(ALTER SYSTEM SET wal_level = logical) and restart that server, then apply again");
        }
        if (db.attr(ExternalDatabases.READER) == null && !facts.superuser() && !facts.replication()) {
            problems.add(where + ": its admin role (database.external.user) cannot stream changes: grant it REPLICATION "
                    + "(ALTER ROLE ... REPLICATION), which the copy's slot needs");
        }
    }

    private static String shortList(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }
}
