package io.imago.providers.aws;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.Filter;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;

/**
 * Secrets Manager: the database passwords the provider generates, the secret-valued environment of instances, and
 * {@code ${secret:NAME}}. Secrets are created with their value in the same call, tagged with the universe, and deleted
 * without a recovery window (Imago's names are reused when a universe of the same name is created again, which a
 * secret waiting out its 7 to 30 days of recovery would refuse). A secret value never goes to a log, a message or the
 * state.
 */
final class AwsSecrets {
    static final String SERVICE = "Secrets Manager";
    private final AwsCalls calls;

    AwsSecrets(AwsCalls calls) {
        this.calls = calls;
    }

    /** The secret's current string value; empty when there is no such secret (or it is scheduled for deletion). */
    Optional<String> read(SecretsManagerClient sm, String name) {
        return calls.call(SERVICE, "GetSecretValue " + name, () -> {
            try {
                return Optional.ofNullable(sm.getSecretValue(r -> r.secretId(name)).secretString());
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "ResourceNotFoundException") || AwsCalls.is(e, "InvalidRequestException") && deleted(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    private static boolean deleted(RuntimeException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase();
        return m.contains("deleted") || m.contains("deletion");
    }

    /**
     * Creates the secret with {@code value}, or returns the value it already holds (a re-run must keep what the first
     * run stored: a database was created with it).
     */
    String createOrRead(SecretsManagerClient sm, String name, String value, Map<String, String> tags) {
        return calls.call(SERVICE, "CreateSecret " + name, () -> {
            try {
                sm.createSecret(r -> r.name(name).secretString(value).tags(Tagging.secrets(tags))
                        .description("written by imago; deleted with universe " + tags.get(Tagging.UNIVERSE)));
                return value;
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "ResourceExistsException")) {
                    return read(sm, name).orElseThrow(() -> e);
                }
                throw e;
            }
        });
    }

    /** Makes the secret hold exactly {@code value}: created, or given a new version when it differs. */
    void put(SecretsManagerClient sm, String name, String value, Map<String, String> tags) {
        String held = createOrRead(sm, name, value, tags);
        if (!held.equals(value)) {
            calls.run(SERVICE, "PutSecretValue " + name, () -> sm.putSecretValue(r -> r.secretId(name).secretString(value)));
        }
    }

    /** Deletes the secret at once; a no-op when it is gone. */
    void delete(SecretsManagerClient sm, String name) {
        calls.run(SERVICE, "DeleteSecret " + name, () -> {
            try {
                sm.deleteSecret(r -> r.secretId(name).forceDeleteWithoutRecovery(true));
            } catch (RuntimeException e) {
                if (!AwsCalls.is(e, "ResourceNotFoundException")) {
                    throw e;
                }
            }
        });
    }

    /** The names of the secrets tagged with the universe and not scheduled for deletion. */
    List<String> tagged(SecretsManagerClient sm, String universe) {
        return calls.call(SERVICE, "ListSecrets tagged " + universe, () -> sm.listSecretsPaginator(r -> r.filters(
                        Filter.builder().key(FilterNameStringType.TAG_KEY).values(Tagging.UNIVERSE).build(),
                        Filter.builder().key(FilterNameStringType.TAG_VALUE).values(universe).build()))
                .stream().flatMap(page -> page.secretList().stream())
                .filter(s -> s.deletedDate() == null)
                .filter(s -> s.tags().stream().anyMatch(t -> Tagging.UNIVERSE.equals(t.key()) && universe.equals(t.value())))
                .map(SecretListEntry::name).sorted().toList());
    }
}
