package io.imago.providers.aws;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBInstance;

/**
 * One RDS for PostgreSQL instance per universe ({@link AwsNames#dbInstance}), created with a DB parameter group of its
 * own that turns logical replication on ({@code rds.logical_replication=1}, and {@code max_slot_wal_keep_size} so a
 * forgotten slot cannot fill the disk), so the instance starts with it and needs no reboot. Its master password is
 * generated here and stored in Secrets Manager ({@link AwsNames#databaseSecret}) <em>before</em> CreateDBInstance sees
 * it, and read from there by {@link #credentials}: it is never in the state, a log or user data.
 *
 * <p>create waits (bounded) for {@code available}, then has {@link DatabaseRoles} create the application's and the
 * reader's roles. destroy deletes the instance without a final snapshot, waits until it is gone (bounded), then deletes
 * the parameter group, the subnet group and the secret; every step is a no-op for what is gone already.
 */
final class RdsDatabases implements DatabaseService {
    static final String KIND = "database";
    static final String SERVICE = "RDS";
    static final Duration AVAILABLE_TIMEOUT = Duration.ofMinutes(40);
    static final Duration DELETED_TIMEOUT = Duration.ofMinutes(40);
    /** RDS's smallest storage for PostgreSQL on gp3. */
    static final int MIN_STORAGE_GB = 20;

    private final ClientPool pool;
    private final AwsCalls calls;
    private final AwsSettings settings;
    private final AwsSecrets secrets;
    private final DatabaseRoles roles;
    private final RdsParameterGroups parameterGroups;
    private final Consumer<String> log;

    RdsDatabases(ClientPool pool, AwsCalls calls, AwsSettings settings, AwsSecrets secrets, DatabaseRoles roles, Consumer<String> log) {
        this.pool = pool;
        this.calls = calls;
        this.settings = settings;
        this.secrets = secrets;
        this.roles = roles;
        this.parameterGroups = new RdsParameterGroups(calls);
        this.log = log;
    }


    @Override
    public Resource create(DatabaseRequest req) {
        AwsClients c = pool.get();
        RdsClient rds = c.rds();
        String id = AwsNames.dbInstance(req.universe());
        String family = RdsParameterGroups.family(req.version());
        String secretName = AwsNames.databaseSecret(req.universe());
        Map<String, String> tags = Tagging.universe(req.universe());
        Optional<DBInstance> existing = describe(rds, id);
        DbSecret secret;
        Optional<String> stored = secrets.read(c.secrets(), secretName);
        if (stored.isPresent()) {
            secret = DbSecret.parse(stored.get(), secretName);
        } else if (existing.isPresent()) {
            // A new password would not open it; a new instance would lose its data.
            throw new ProviderException("RDS instance " + id + " exists but its secret " + secretName + " is missing from Secrets Manager: "
                    + "restore the secret, or destroy the universe");
        } else {
            secret = DbSecret.parse(secrets.createOrRead(c.secrets(), secretName, DbSecret.generate().toJson(), tags), secretName);
        }
        String parameterGroup = AwsNames.dbParameterGroup(req.universe(), family);
        parameterGroups.ensure(rds, parameterGroup, family, tags);
        String subnetGroup = settings.subnets().isEmpty() ? null : ensureSubnetGroup(rds, req.universe(), tags);
        if (existing.isEmpty()) {
            String dbClass = Sizes.dbClass(req.instanceClass(), req.size());
            int storage = Math.max(req.storageGb(), MIN_STORAGE_GB);
            if (storage != req.storageGb()) {
                log.accept("RDS needs at least " + MIN_STORAGE_GB + " GB for PostgreSQL: " + id + " gets " + storage + " GB, not " + req.storageGb());
            }
            calls.run(SERVICE, "CreateDBInstance " + id, () -> {
                try {
                    rds.createDBInstance(r -> r
                            .dbInstanceIdentifier(id)
                            .engine("postgres")
                            .engineVersion(req.version())
                            .dbInstanceClass(dbClass)
                            .allocatedStorage(storage)
                            .storageType("gp3")
                            .storageEncrypted(true)
                            .masterUsername(secret.username())
                            .masterUserPassword(secret.password())
                            .dbName(secret.dbname())
                            .dbParameterGroupName(parameterGroup)
                            .dbSubnetGroupName(subnetGroup)
                            .vpcSecurityGroupIds(settings.securityGroups().isEmpty() ? null : settings.securityGroups())
                            .publiclyAccessible(false)
                            .deletionProtection(false)
                            .copyTagsToSnapshot(true)
                            .tags(Tagging.rds(tags)));
                } catch (RuntimeException e) {
                    if (!AwsCalls.is(e, "DBInstanceAlreadyExists")) {
                        throw e;
                    }
                }
            });
        }
        DBInstance db = awaitAvailable(rds, id);
        roles.prepare(db.endpoint().address(), db.endpoint().port(), secret);
        Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
        a.put("universe", req.universe());
        a.put("identifier", id);
        a.put("host", db.endpoint().address());
        a.put("port", Integer.toString(db.endpoint().port()));
        a.put("database", secret.dbname());
        a.put("version", db.engineVersion());
        a.put("size", db.dbInstanceClass());
        if (db.allocatedStorage() != null) {
            a.put("storageGb", db.allocatedStorage().toString()); // what a later plan prices its storage by
        }
        a.put("parameterGroup", parameterGroup);
        if (subnetGroup != null) {
            a.put("subnetGroup", subnetGroup);
        }
        a.put("secret", secretName);
        return new Resource(KIND, req.name(), a);
    }

    private String ensureSubnetGroup(RdsClient rds, String universe, Map<String, String> tags) {
        String name = AwsNames.dbSubnetGroup(universe);
        calls.run(SERVICE, "CreateDBSubnetGroup " + name, () -> {
            try {
                rds.createDBSubnetGroup(r -> r.dbSubnetGroupName(name).dbSubnetGroupDescription("imago: " + universe)
                        .subnetIds(settings.subnets()).tags(Tagging.rds(tags)));
            } catch (RuntimeException e) {
                if (!AwsCalls.is(e, "DBSubnetGroupAlreadyExists", "DBSubnetGroupAlreadyExistsFault")) {
                    throw e;
                }
            }
        });
        return name;
    }

    Optional<DBInstance> describe(RdsClient rds, String id) {
        return calls.call(SERVICE, "DescribeDBInstances " + id, () -> describeNow(rds, id));
    }

    private static Optional<DBInstance> describeNow(RdsClient rds, String id) {
        try {
            return rds.describeDBInstances(r -> r.dbInstanceIdentifier(id)).dbInstances().stream().findFirst();
        } catch (RuntimeException e) {
            if (AwsCalls.is(e, "DBInstanceNotFound", "DBInstanceNotFoundFault")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private DBInstance awaitAvailable(RdsClient rds, String id) {
        return calls.await(SERVICE, "RDS instance " + id + " to become available", AVAILABLE_TIMEOUT, () -> {
            Optional<DBInstance> db = describeNow(rds, id);
            if (db.isEmpty()) {
                return AwsCalls.Seen.notYet("not found");
            }
            String status = db.get().dbInstanceStatus();
            if (List.of("failed", "incompatible-parameters", "incompatible-network", "storage-full", "deleting").contains(status)) {
                throw new ProviderException("RDS instance " + id + " is " + status + ": it will not become available by itself");
            }
            return "available".equals(status) && db.get().endpoint() != null ? AwsCalls.Seen.done(db.get()) : AwsCalls.Seen.notYet(status);
        });
    }

    @Override
    public DatabaseCredentials credentials(Resource database, boolean admin) {
        DbSecret s = secret(database);
        return new DatabaseCredentials(database.attr("host"), Integer.parseInt(database.attr("port")), s.dbname(),
                admin ? s.username() : s.appUsername(), admin ? s.password() : s.appPassword());
    }

    @Override
    public DatabaseCredentials readerCredentials(Resource database) {
        DbSecret s = secret(database);
        if (s.readerUsername() == null || s.readerPassword() == null) {
            return credentials(database, true);
        }
        return new DatabaseCredentials(database.attr("host"), Integer.parseInt(database.attr("port")), s.dbname(), s.readerUsername(),
                s.readerPassword());
    }

    private DbSecret secret(Resource database) {
        String name = database.attr("secret") != null ? database.attr("secret") : AwsNames.databaseSecret(database.attr("universe"));
        String json = secrets.read(pool.of(database).secrets(), name).orElseThrow(() -> new ProviderException(
                "the secret " + name + " of database " + database.id() + " is missing from Secrets Manager"));
        return DbSecret.parse(json, name);
    }

    /** A stopped instance (RDS stops none by itself, but a user may have) is started and awaited. */
    @Override
    public void ensureRunning(Resource database) {
        RdsClient rds = pool.of(database).rds();
        String id = database.attr("identifier");
        Optional<DBInstance> db = describe(rds, id);
        if (db.isPresent() && "stopped".equals(db.get().dbInstanceStatus())) {
            calls.run(SERVICE, "StartDBInstance " + id, () -> rds.startDBInstance(r -> r.dbInstanceIdentifier(id)));
            awaitAvailable(rds, id);
        }
    }

    @Override
    public void destroy(Resource database) {
        AwsClients c = pool.of(database);
        RdsClient rds = c.rds();
        String universe = database.attr("universe");
        String id = database.attr("identifier") != null ? database.attr("identifier") : AwsNames.dbInstance(universe);
        calls.run(SERVICE, "DeleteDBInstance " + id, () -> {
            try {
                rds.deleteDBInstance(r -> r.dbInstanceIdentifier(id).skipFinalSnapshot(true).deleteAutomatedBackups(true));
            } catch (RuntimeException e) {
                // Gone, or already being deleted.
                if (!AwsCalls.is(e, "DBInstanceNotFound", "DBInstanceNotFoundFault", "InvalidDBInstanceState")) {
                    throw e;
                }
            }
        });
        calls.await(SERVICE, "RDS instance " + id + " to be deleted", DELETED_TIMEOUT, () -> {
            Optional<DBInstance> db = describeNow(rds, id);
            return db.isEmpty() ? AwsCalls.Seen.done(Boolean.TRUE) : AwsCalls.Seen.notYet(db.get().dbInstanceStatus());
        });
        java.util.Set<String> groups = new java.util.TreeSet<>(parameterGroups.of(rds, universe));
        if (database.attr("parameterGroup") != null) {
            groups.add(database.attr("parameterGroup"));
        }
        groups.forEach(g -> parameterGroups.delete(rds, g));
        String subnetGroup = database.attr("subnetGroup");
        if (subnetGroup != null) {
            calls.run(SERVICE, "DeleteDBSubnetGroup " + subnetGroup, () -> {
                try {
                    rds.deleteDBSubnetGroup(r -> r.dbSubnetGroupName(subnetGroup));
                } catch (RuntimeException e) {
                    if (!AwsCalls.is(e, "DBSubnetGroupNotFoundFault")) {
                        throw e;
                    }
                }
            });
        }
        secrets.delete(c.secrets(), database.attr("secret") != null ? database.attr("secret") : AwsNames.databaseSecret(universe));
    }

    /**
     * The universe's instance, when it exists (found by its name); or, when a destroy was interrupted after deleting the
     * instance, what is left of it (its secret, its parameter group), so that destroy finishes the work.
     */
    @Override
    public List<Resource> list(String universe) {
        AwsClients c = pool.get();
        String id = AwsNames.dbInstance(universe);
        Optional<DBInstance> found = describe(c.rds(), id);
        if (found.isEmpty()) {
            boolean secretLeft = secrets.read(c.secrets(), AwsNames.databaseSecret(universe)).isPresent();
            if (!secretLeft && parameterGroups.of(c.rds(), universe).isEmpty()) {
                return List.of();
            }
            Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
            a.put("universe", universe);
            a.put("identifier", id);
            a.put("secret", AwsNames.databaseSecret(universe));
            return List.of(new Resource(KIND, universe + "-db", a));
        }
        return found.map(db -> {
            Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
            a.put("universe", universe);
            a.put("identifier", id);
            if (db.endpoint() != null) {
                a.put("host", db.endpoint().address());
                a.put("port", Integer.toString(db.endpoint().port()));
            }
            a.put("version", db.engineVersion());
            a.put("size", db.dbInstanceClass());
            if (db.allocatedStorage() != null) {
                a.put("storageGb", db.allocatedStorage().toString());
            }
            db.dbParameterGroups().stream().findFirst().ifPresent(p -> a.put("parameterGroup", p.dbParameterGroupName()));
            if (db.dbSubnetGroup() != null && db.dbSubnetGroup().dbSubnetGroupName() != null
                    && db.dbSubnetGroup().dbSubnetGroupName().equals(AwsNames.dbSubnetGroup(universe))) {
                a.put("subnetGroup", db.dbSubnetGroup().dbSubnetGroupName());
            }
            a.put("secret", AwsNames.databaseSecret(universe));
            return List.of(new Resource(KIND, universe + "-db", a));
        }).orElse(List.of());
    }

    @Override
    public boolean alive(Resource database) {
        String id = database.attr("identifier") != null ? database.attr("identifier") : AwsNames.dbInstance(database.attr("universe"));
        return describe(pool.of(database).rds(), id)
                .filter(db -> !List.of("deleting", "failed").contains(db.dbInstanceStatus())).isPresent();
    }
}
