package io.imago.engine;

import io.imago.state.IngressState;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** A state store in maps, for the engine's rules; {@link #failSavesAfter} makes writes fail, as a full disk would. */
final class MemoryStateStore implements StateStore {
    final Map<String, UniverseState> universes = new TreeMap<>();
    final Map<String, IngressState> ingresses = new TreeMap<>();
    /** Saves left before every save fails; negative: never. */
    int failSavesAfter = -1;
    private final Path dir;

    MemoryStateStore(Path dir) {
        this.dir = dir;
    }

    public List<UniverseState> universes() {
        return new ArrayList<>(universes.values());
    }

    public Optional<UniverseState> universe(String name) {
        return Optional.ofNullable(universes.get(name));
    }

    public void save(UniverseState universe) {
        write();
        universes.put(universe.name(), universe);
    }

    public void deleteUniverse(String name) {
        universes.remove(name);
    }

    public List<IngressState> ingresses() {
        return new ArrayList<>(ingresses.values());
    }

    public Optional<IngressState> ingress(String name) {
        return Optional.ofNullable(ingresses.get(name));
    }

    public void save(IngressState ingress) {
        write();
        ingresses.put(ingress.name(), ingress);
    }

    public void deleteIngress(String name) {
        ingresses.remove(name);
    }

    final Map<String, io.imago.state.ProviderCalibration> calibrations = new TreeMap<>();

    public Optional<io.imago.state.ProviderCalibration> calibration(String provider) {
        return Optional.ofNullable(calibrations.get(provider));
    }

    public void save(io.imago.state.ProviderCalibration calibration) {
        write();
        calibrations.put(calibration.provider(), calibration);
    }

    public Lock lock(String operation) {
        return () -> { };
    }

    public Path providerDir(String provider) {
        return dir.resolve(provider);
    }

    private void write() {
        if (failSavesAfter == 0) {
            throw new java.io.UncheckedIOException(new java.io.IOException("No space left on device"));
        }
        if (failSavesAfter > 0) {
            failSavesAfter--;
        }
    }
}
