package io.imago.state;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where Imago keeps what it knows of universes and ingresses. Writes are atomic. Implementations: a local
 * folder ({@link LocalStateStore}) and an S3 prefix ({@code io.imago.state.s3.S3StateStore}); {@link StateStores}
 * opens the one a {@code --state} value names. Every implementation passes {@code StateStoreContract}.
 */
public interface StateStore extends AutoCloseable {
    List<UniverseState> universes();

    Optional<UniverseState> universe(String name);

    void save(UniverseState universe);

    void deleteUniverse(String name);

    List<IngressState> ingresses();

    Optional<IngressState> ingress(String name);

    void save(IngressState ingress);

    void deleteIngress(String name);

    /** What apply measured on a provider, for plan's forecast; empty when no apply has recorded any there. */
    Optional<ProviderCalibration> calibration(String provider);

    /** Replaces a provider's calibration (written by apply, under the lock, at the end of the steps that measure). */
    void save(ProviderCalibration calibration);

    /**
     * Takes the exclusive lock for a run that changes things.
     *
     * @throws StateLockedException naming the holder, when another live run has it
     */
    Lock lock(String operation);

    /**
     * A folder of the provider's own on this machine, for its tags, secrets and local data; not created here
     * (a dry run leaves no trace). Never part of a remote state: what a provider keeps there stays local.
     */
    Path providerDir(String provider);

    /**
     * A folder on this machine for pages people read (the shadow check's report): {@code reports/} beside the
     * providers' folders, so in the state folder for a local state. Not created here.
     */
    default Path reportsDir() {
        return providerDir("local").getParent().resolveSibling("reports");
    }

    /** Releases what the store holds open (a remote store's client); the state itself is unaffected. */
    @Override
    default void close() {}

    interface Lock extends AutoCloseable {
        @Override
        void close();
    }
}
