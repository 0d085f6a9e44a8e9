package io.imago.providers.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.DBParameterGroup;
import software.amazon.awssdk.services.rds.model.Parameter;

/**
 * A universe's DB parameter group ({@link AwsNames#dbParameterGroup}, family from the PostgreSQL version): logical
 * decoding on ({@code rds.logical_replication=1}, static, so the instance is created with it rather than rebooted into
 * it) and, from PostgreSQL 13 on, {@code max_slot_wal_keep_size}, so a slot nobody reads is invalidated before it fills
 * the disk (the local provider's 10GB).
 */
final class RdsParameterGroups {
    static final String SERVICE = RdsDatabases.SERVICE;
    /** max_slot_wal_keep_size, in MB (RDS's unit). */
    static final String MAX_SLOT_WAL_KEEP_MB = "10240";

    private final AwsCalls calls;

    RdsParameterGroups(AwsCalls calls) {
        this.calls = calls;
    }

    /** postgres15 for "15" or "15.4"; postgres9.6 for "9.6.x"; postgres16 when no version is given. */
    static String family(String version) {
        String v = version == null || version.isBlank() ? "16" : version.strip();
        String[] parts = v.split("\\.");
        int major = Integer.parseInt(parts[0]);
        return "postgres" + (major < 10 && parts.length > 1 ? major + "." + parts[1] : Integer.toString(major));
    }

    /** Created if missing, and its parameters (re)set: both idempotent. */
    void ensure(RdsClient rds, String name, String family, Map<String, String> tags) {
        calls.run(SERVICE, "CreateDBParameterGroup " + name, () -> {
            try {
                rds.createDBParameterGroup(r -> r.dbParameterGroupName(name).dbParameterGroupFamily(family)
                        .description("imago: logical replication on").tags(Tagging.rds(tags)));
            } catch (RuntimeException e) {
                if (!AwsCalls.is(e, "DBParameterGroupAlreadyExists")) {
                    throw e;
                }
            }
        });
        List<Parameter> params = new ArrayList<>();
        params.add(Parameter.builder().parameterName("rds.logical_replication").parameterValue("1").applyMethod(ApplyMethod.PENDING_REBOOT).build());
        if (!family.startsWith("postgres9") && Integer.parseInt(family.substring("postgres".length())) >= 13) {
            params.add(Parameter.builder().parameterName("max_slot_wal_keep_size").parameterValue(MAX_SLOT_WAL_KEEP_MB)
                    .applyMethod(ApplyMethod.IMMEDIATE).build());
        }
        calls.run(SERVICE, "ModifyDBParameterGroup " + name, () -> rds.modifyDBParameterGroup(r -> r.dbParameterGroupName(name).parameters(params)));
    }

    /** The groups made for the universe, whatever the version: {@code imago-<universe>-postgres<major>}. */
    List<String> of(RdsClient rds, String universe) {
        Pattern mine = Pattern.compile(Pattern.quote("imago-" + universe + "-postgres") + "[0-9]+(-[0-9]+)?");
        return calls.call(SERVICE, "DescribeDBParameterGroups", () -> rds.describeDBParameterGroupsPaginator(r -> r.maxRecords(100))
                .dbParameterGroups().stream().map(DBParameterGroup::dbParameterGroupName).filter(n -> mine.matcher(n).matches()).toList());
    }

    /** A no-op for a group already gone. Fails while an instance still uses it (its caller deletes the instance first). */
    void delete(RdsClient rds, String name) {
        calls.run(SERVICE, "DeleteDBParameterGroup " + name, () -> {
            try {
                rds.deleteDBParameterGroup(r -> r.dbParameterGroupName(name));
            } catch (RuntimeException e) {
                if (!AwsCalls.is(e, "DBParameterGroupNotFound")) {
                    throw e;
                }
            }
        });
    }
}
