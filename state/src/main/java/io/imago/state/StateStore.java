package io.imago.state;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where Imago keeps what it knows of universes and ingresses. Writes are atomic. */
public interface StateStore {
    List<UniverseState> universes();

    Optional<UniverseState> universe(String name);

    void save(UniverseState universe);

    void deleteUniverse(String name);

    List<IngressState> ingresses();

    Optional<IngressState> ingress(String name);

    void save(IngressState ingress);

    void deleteIngress(String name);

    /**
     * Takes the exclusive lock for a run that changes things.
     *
     * @throws StateLockedException naming the holder, when another live run has it
     */
    Lock lock(String operation);

    /** A folder of the provider's own, for its tags, secrets and local data. */
    Path providerDir(String provider);

    interface Lock extends AutoCloseable {
        @Override
        void close();
    }
}
