package io.imago.blueprints;

import static io.imago.blueprints.Shape.Prop.optional;
import static io.imago.blueprints.Shape.Prop.required;

import io.imago.blueprints.Shape.Bool;
import io.imago.blueprints.Shape.Choice;
import io.imago.blueprints.Shape.Const;
import io.imago.blueprints.Shape.Decimal;
import io.imago.blueprints.Shape.Either;
import io.imago.blueprints.Shape.Int;
import io.imago.blueprints.Shape.ListOf;
import io.imago.blueprints.Shape.MapOf;
import io.imago.blueprints.Shape.Name;
import io.imago.blueprints.Shape.Obj;
import io.imago.blueprints.Shape.OneKey;
import io.imago.blueprints.Shape.Prop;
import io.imago.blueprints.Shape.Text;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Blueprint v1 as data: every section, its fields in the order hints list them, their shapes, which are required
 * (always, or when another value says so: {@code image} on aws), which belong to one provider only, their closed
 * sets, defaults and descriptions (from blueprint-v1.md, shown by editors on hover). The readers take field names and
 * closed sets from here ({@link KnownFields}); {@link BlueprintSchema} generates the JSON Schema from it; a test holds
 * the readers to the rest (types, ranges, required fields) by running the same mistakes through both.
 */
final class BlueprintFormat {
    private BlueprintFormat() {}

    /** A Java class's full name ({@code class:} of a transform). */
    static final String CLASS_NAME = "[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*";
    /** An environment variable's name ({@code env:} of a compute group). */
    static final String ENV_NAME = "[A-Za-z_][A-Za-z0-9_]*";
    /** Exactly one reference to a secret or an environment variable, nothing around it (external passwords). */
    static final String SECRET_REFERENCE = "\\$\\{(secret|env):[^}]+}";
    /** An unquoted PostgreSQL identifier: what a role name written in a blueprint may be. */
    static final String ROLE_NAME = "[A-Za-z_][A-Za-z0-9_$]{0,62}";
    /** Some text with a {@code ${...}} reference in it, checked once resolved. */
    private static final String WITH_REFERENCE = ".*\\$\\{.*}.*";

    private static final Text ANY = Text.ANY;
    private static final Text HTTP_PATH = new Text("/.*", "/health");
    private static final Shape.Duration DURATION = Shape.Duration.PLAIN;
    private static final Int PORT = new Int(1, 65535);
    private static final Choice SIZE = new Choice(List.of("xs", "small", "medium", "large"));

    static final Choice PROVIDER_TYPES = new Choice(List.of("local", "aws", "jclouds"));
    static final Choice INGRESS_TYPES = new Choice(List.of("loadBalancer", "dns"));
    static final Choice SIZES = SIZE;
    static final Choice ENGINES = new Choice(List.of("postgres"));
    static final Choice REPLICA_IDENTITIES = new Choice(List.of("full", "default"));

    static final Obj NETWORK = new Obj(List.of(
            optional("vpc", ANY, "The VPC's id (aws). Left out: the default VPC."),
            optional("subnets", new ListOf(ANY, true), "Subnet ids (aws). Left out: the VPC's default subnets."),
            optional("securityGroups", new ListOf(ANY, true), "Security group ids (aws).")), null);

    static final Obj PROVIDER = new Obj(List.of(
            optional("type", PROVIDER_TYPES, "Who rents the universe's resources: local (processes on this machine), "
                    + "aws, or jclouds (any jclouds compute provider).").withDefault("local"),
            optional("region", ANY, "aws: the region (else AWS_REGION, else the profile's region); jclouds: the "
                    + "region.").on("aws", "jclouds"),
            optional("profile", ANY, "aws: a named profile of the shared AWS config.").on("aws"),
            optional("network", NETWORK, "aws: the VPC, subnets and security groups; left out, the default VPC and "
                    + "its subnets.").on("aws"),
            optional("instanceProfile", ANY, "aws: the IAM instance profile EC2 instances run with (name or ARN); "
                    + "needed when compute env holds secrets, which instances read from Secrets Manager at boot "
                    + "(allow it secretsmanager:GetSecretValue on imago/<universe>/env/*). imago validate checks "
                    + "that; this schema cannot tell which env values are secret.").on("aws"),
            optional("api", ANY, "jclouds: the compute provider or API id (e.g. google-compute-engine; stub for "
                    + "tests).").on("jclouds"),
            optional("identity", ANY, "jclouds: the identity, e.g. ${secret:GCE_IDENTITY}.").on("jclouds"),
            optional("credential", ANY, "jclouds: the credential, e.g. ${secret:GCE_CREDENTIAL}.").on("jclouds"),
            optional("maxSlotWalKeepSize", ANY, "local: the most WAL a replication slot may hold before the server "
                    + "invalidates it, in PostgreSQL's units (default 10GB; -1 for no limit).").on("local")),
            ANY, "aws");

    private static final String DNS_RECORD = "a dns ingress is a record in a hosted zone";

    static final Obj INGRESS = new Obj(List.of(
            required("name", new Name(), "The ingress's name: the stable entry point users reach, switched from the "
                    + "old universe to the new one."),
            optional("type", INGRESS_TYPES, "loadBalancer (local: Imago's reverse proxy; aws: an Application Load "
                    + "Balancer) or dns (a record moved at the switch).").withDefault("loadBalancer"),
            optional("port", PORT, "local: the port the load balancer listens on; aws: the listener's port "
                    + "(default 80)."),
            optional("loadBalancerName", ANY, "The load balancer's name at the provider, when it is not the "
                    + "ingress's name."),
            optional("listenerPort", PORT, "The provider's listener port, when it is not 'port'."),
            optional("hostedZone", ANY, "dns: the hosted zone's name or id, e.g. example.org.")
                    .requiredWhen("ingress.type", "dns", DNS_RECORD),
            optional("record", ANY, "dns: the record switched, e.g. shop.example.org.")
                    .requiredWhen("ingress.type", "dns", DNS_RECORD),
            optional("ttl", new Int(0, Integer.MAX_VALUE), "dns: the record's TTL in seconds.")), null);

    static final Obj HEALTH = new Obj(List.of(
            optional("path", HTTP_PATH, "The HTTP path an instance answers 2xx on once it is ready.")
                    .withDefault(HealthSpec.DEFAULT.path()),
            optional("timeout", Shape.Duration.POSITIVE, "How long an instance may take to become healthy.")
                    .withDefault(Durations.format(HealthSpec.DEFAULT.timeout()))), null);

    static final Obj COMPUTE = new Obj(List.of(
            required("name", new Name(), "The group's name, unique in the universe."),
            optional("count", new Int(1, Integer.MAX_VALUE), "How many instances.").withDefault(1),
            optional("size", SIZE, "xs, small, medium or large, mapped per provider to a documented table; an "
                    + "explicit instanceType wins.").withDefault("small"),
            optional("instanceType", ANY, "The provider's own machine type (e.g. t3.small on aws); wins over size."),
            optional("run", new ListOf(ANY, true), "The command an instance runs, as a list of arguments, in the "
                    + "blueprint's folder (local; on aws, started by the instance's user data with env exported). "
                    + "Secrets are refused here: pass them through env.")
                    .requiredOn("local", "the local provider runs each instance as a process of this command"),
            optional("image", ANY, "aws / jclouds: the machine image (e.g. ami-0123456789abcdef0).")
                    .requiredOn("aws", "the aws provider starts each instance from a machine image, an AMI id"),
            optional("port", PORT, "The port the instance serves on (local: assigned per instance, as PORT).")
                    .requiredOn("aws", "the aws provider registers every instance in its load balancer on this port"),
            optional("env", new MapOf(ANY, ENV_NAME, "letters, digits and '_', not starting with a digit"),
                    "Environment variables of every instance, besides PORT, IMAGO_UNIVERSE and IMAGO_INSTANCE. Values "
                    + "may hold ${database.url}, ${database.host}, ${database.port}, ${database.name}, "
                    + "${database.user}, ${database.password}, ${ingress.url}, ${env:NAME}, ${secret:NAME}."),
            optional("health", HEALTH, "How Imago knows an instance is ready.")), null);

    static final Obj EXTERNAL_DATABASE = new Obj(List.of(
            required("url", new Text("postgres(ql)?://[^/?#@]+/[^/?#]+|" + WITH_REFERENCE,
                    "postgresql://10.0.0.5:5432/shop"), "postgresql://host:port/database (port 5432 when left out), "
                    + "without credentials or parameters; or a ${secret:NAME} or ${env:NAME} reference."),
            required("user", new Text(ROLE_NAME + "|" + WITH_REFERENCE, "shop_admin"), "The role Imago connects as "
                    + "to create the schema, the application role and its own slot and publication."),
            required("password", new Text(SECRET_REFERENCE, "${secret:SHOP_DB_ADMIN_PASSWORD}"), "That role's "
                    + "password, as one reference: ${secret:NAME} or ${env:NAME} (the blueprint and imago's state "
                    + "keep the text as written)."),
            optional("appUser", new Text(ROLE_NAME + "|" + WITH_REFERENCE, "shop_app"), "An existing role the "
                    + "application uses, other than user; else Imago creates one. It gets DML on the tables and is "
                    + "the role fenced at the switch.").needs("appPassword"),
            optional("appPassword", new Text(SECRET_REFERENCE, "${secret:SHOP_DB_APP_PASSWORD}"), "appUser's "
                    + "password, as one reference: ${secret:NAME} or ${env:NAME}.").needs("appUser")),
            null);

    static final Obj DATABASE = new Obj(List.of(
            optional("engine", ENGINES, "The database engine.").withDefault("postgres"),
            optional("version", ANY, "The engine's major version, e.g. \"16\".").withDefault("16"),
            optional("size", SIZE, "xs, small, medium or large, mapped per provider; an explicit instanceClass "
                    + "wins.").withDefault("small"),
            optional("instanceClass", ANY, "The provider's own database class (e.g. db.t3.small on aws); wins over "
                    + "size."),
            optional("storageGb", new Int(1, 65536), "Storage in GB.").withDefault(10),
            optional("schema", new Shape.File("schema-v2.sql"), "DDL applied when the universe is created (path relative to the blueprint)."),
            optional("seed", new Shape.File("seed.sql"), "Data loaded into a universe that replaces nothing (path relative to the "
                    + "blueprint)."),
            optional("external", EXTERNAL_DATABASE, "A PostgreSQL server Imago does not own: Imago creates nothing "
                    + "there but the schema, the application role and its own slot/publication, and never destroys "
                    + "the server; size, instanceClass and storageGb are then ignored. Works on every provider.")),
            null);

    static final Obj SNAPSHOT = new Obj(List.of(
            optional("parallelism", new Int(1, 256), "How many workers copy at once, all in the one snapshot.")
                    .withDefault(MigrationSpec.DEFAULT.parallelism())), null);

    static final Obj LOG_SHIPPING = new Obj(List.of(
            optional("maxLag", DURATION, "The catch-up target before validation and switchover.")
                    .withDefault(Durations.format(MigrationSpec.DEFAULT.maxLag()))), null);

    static final Obj TRANSFORM = new Obj(List.of(
            required("table", ANY, "The source table this transform converts."),
            optional("renameTo", ANY, "The table's name in the new universe."),
            optional("renameColumns", new MapOf(ANY, null, null), "Old column name: new column name."),
            optional("addColumns", new MapOf(ANY, null, null), "New column: a SQL expression over the source row's "
                    + "columns, evaluated by the target database."),
            optional("dropColumns", new ListOf(ANY, false), "Source columns left out."),
            optional("where", ANY, "A SQL expression over the source row: only rows that satisfy it are kept (a "
                    + "change that makes a row stop or start satisfying it deletes or inserts it on the target)."),
            optional("skip", new Bool(), "Do not migrate this table.").withDefault(false),
            optional("class", new Text(CLASS_NAME, "com.example.SplitInvoices"), "A custom conversion (Java SPI): "
                    + "the class's full name; its jar is given with --plugin."),
            optional("replicaIdentity", REPLICA_IDENTITIES, "full for a table without a primary key: changes are "
                    + "then matched on the whole row.").withDefault("default")), null);

    static final Obj MIGRATION = new Obj(List.of(
            optional("tables", new Either(new Const("all"), new ListOf(ANY, true)), "all, or a list of source "
                    + "tables.").withDefault("all"),
            optional("snapshot", SNAPSHOT, "The bulk load: a consistent snapshot of the old universe."),
            optional("logShipping", LOG_SHIPPING, "The old universe's changes since the snapshot, shipped through "
                    + "the same transforms."),
            optional("transforms", new ListOf(TRANSFORM, false), "How each source table converts.")), null);

    static final Obj HTTP_CHECK = new Obj(List.of(
            required("path", HTTP_PATH, "The path asked of every new instance, directly."),
            optional("expect", new Int(100, 599), "The HTTP status expected.").withDefault(200)), null);

    static final Obj COMPARE_CHECK = new Obj(List.of(
            required("path", HTTP_PATH, "The path asked of the old (through the ingress) and the new universe; "
                    + "the answers must match."),
            optional("ignore", new ListOf(ANY, false), "JSON fields left out of the comparison.")), null);

    static final Obj SHADOW_CHECK = new Obj(List.of(
            required("duration", Shape.Duration.POSITIVE, "How long live reads are copied to the new universe and "
                    + "compared, during VALIDATE (the step lasts that long)."),
            optional("sample", new Decimal(BigDecimal.ZERO, true, BigDecimal.ONE), "The share of live GET and HEAD "
                    + "requests copied (above 0, at most 1); writes are never copied.")
                    .withDefault(CheckSpec.Shadow.DEFAULT_SAMPLE),
            optional("maxMismatchRate", new Decimal(BigDecimal.ZERO, false, BigDecimal.ONE), "The most of the compared "
                    + "requests that may differ (beyond ignore and the fields learned as noise).")
                    .withDefault(CheckSpec.Shadow.DEFAULT_MAX_MISMATCH_RATE),
            optional("maxLatencyRatio", new Decimal(BigDecimal.ZERO, true, null), "The most the new universe's p50 and "
                    + "p99 latency may be, as a multiple of the old one's, for the same requests.")
                    .withDefault(CheckSpec.Shadow.DEFAULT_MAX_LATENCY_RATIO),
            optional("minRequests", new Int(1, Integer.MAX_VALUE), "The fewest compared requests the check passes "
                    + "on.").withDefault(CheckSpec.Shadow.DEFAULT_MIN_REQUESTS),
            optional("ignore", new ListOf(ANY, false), "JSON paths left out of the comparison: $.servedAt, "
                    + "$.items[*].id, $..etag, or a bare field name (at any depth)."),
            optional("report", ANY, "Where the HTML report is written (relative to the blueprint); by default in "
                    + "the state folder.")), null);

    static final OneKey CHECK = new OneKey(List.of(
            optional("rowCounts", new Bool(), "Every migrated table, source vs target, after transforms and "
                    + "filters (false turns the check off)."),
            optional("checksums", new ListOf(ANY, true), "Target tables whose converted source rows and target rows "
                    + "must hash the same."),
            optional("http", HTTP_CHECK, "An HTTP request to every new instance."),
            optional("compare", COMPARE_CHECK, "The same request to the old and the new ingress, answers compared."),
            optional("command", new ListOf(ANY, true), "A command that must exit 0; it gets IMAGO_NEW_URL and "
                    + "IMAGO_OLD_URL."),
            optional("shadow", SHADOW_CHECK, "Live reads copied to the new universe by the ingress and compared with "
                    + "the old one's answers, before the switch (local provider only: an AWS ALB cannot copy requests).")));

    static final Obj SWITCHOVER = new Obj(List.of(
            optional("maxWritePause", Shape.Duration.POSITIVE, "If writes would be paused longer, abort and leave the old "
                    + "universe live.").withDefault(Durations.format(SwitchoverSpec.DEFAULT.maxWritePause())),
            optional("drainTimeout", DURATION, "How long requests in flight may take to finish on the old universe.")
                    .withDefault(Durations.format(SwitchoverSpec.DEFAULT.drainTimeout()))), null);

    static final Obj TEARDOWN = new Obj(List.of(
            optional("keepOld", new Shape.Duration(false, List.of("never")), "The rollback window before the old universe "
                    + "is destroyed: a duration, 0 (at once) or never.")
                    .withDefault(Durations.format(TeardownSpec.DEFAULT.keepOld()))), null);

    static final Obj BUDGET = new Obj(List.of(
            required("maxUsd", new Decimal(BigDecimal.ZERO), "apply refuses to start if the dry-run estimate "
                    + "exceeds it (USD).")), null);

    static final Obj ROOT = new Obj(List.of(
            required("imago", new Const(1), "The blueprint format's version: 1."),
            required("universe", new Name(), "The name of the universe declared here."),
            optional("replaces", new Name(), "The live universe this one upgrades (leave out for a new system)."),
            optional("provider", PROVIDER, "Who rents the resources, and its settings."),
            required("ingress", INGRESS, "The stable entry point, switched from the old universe to the new one."),
            required("compute", new ListOf(COMPUTE, true), "The universe's instance groups."),
            optional("database", DATABASE, "The universe's database."),
            optional("migration", MIGRATION, "Which tables move from the replaced universe and how they convert "
                    + "(needs replaces)."),
            optional("validate", new ListOf(CHECK, false), "Checks of the new universe before the switch; any "
                    + "failure leaves the old one live."),
            optional("switchover", SWITCHOVER, "Bounds of the switch."),
            optional("teardown", TEARDOWN, "When the old universe is destroyed."),
            optional("budget", BUDGET, "Cost bound of an apply.")), null);

    /**
     * A field required only under a condition ({@link Shape.When}), with where its mapping is: the path from the root
     * by field names, {@code []} for a list's items ({@code compute, []} for a compute group).
     */
    record Conditional(List<String> at, Prop prop, Shape.When when) {}

    /** Every field required only under a condition, in the format's order. */
    static List<Conditional> conditionals() {
        List<Conditional> out = new ArrayList<>();
        collect(ROOT, List.of(), out);
        return List.copyOf(out);
    }

    private static void collect(Shape shape, List<String> at, List<Conditional> out) {
        if (shape instanceof Obj o) {
            for (Prop p : o.props()) {
                p.requiredWhen().forEach(w -> out.add(new Conditional(at, p, w)));
                collect(p.shape(), plus(at, p.name()), out);
            }
        } else if (shape instanceof ListOf l) {
            collect(l.items(), plus(at, "[]"), out);
        } else if (shape instanceof OneKey k) {
            k.kinds().forEach(p -> collect(p.shape(), plus(at, p.name()), out));
        } else if (shape instanceof Either e) {
            collect(e.first(), at, out);
            collect(e.second(), at, out);
        } // the values of a MapOf have free keys: no place a condition could name
    }

    private static List<String> plus(List<String> path, String step) {
        List<String> out = new ArrayList<>(path);
        out.add(step);
        return List.copyOf(out);
    }

    /** The field at a path of field names from the root ({@code provider.type}), which a condition names. */
    static Prop prop(String path) {
        Shape at = ROOT;
        Prop found = null;
        for (String step : path.split("\\.")) {
            if (!(at instanceof Obj o)) {
                throw new IllegalArgumentException("no field " + path + " in the format");
            }
            found = o.prop(step).orElseThrow(() -> new IllegalArgumentException("no field " + path + " in the format"));
            at = found.shape();
        }
        return found;
    }
}
