package io.imago.state.s3;

import io.imago.state.IngressState;
import io.imago.state.ProviderCalibration;
import io.imago.state.StateJson;
import io.imago.state.StateNames;
import io.imago.state.StateStore;
import io.imago.state.StateStoreException;
import io.imago.state.UniverseState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The state under an S3 prefix ({@code --state s3://BUCKET/PREFIX}), laid out as the local folder is: one JSON
 * object per universe ({@code PREFIX/universes/NAME.json}) and per ingress ({@code PREFIX/ingresses/NAME.json}),
 * each written whole (a PUT replaces an object atomically), and the lock {@code PREFIX/lock} ({@link S3Lock}).
 * Providers' folders stay on this machine, under {@link #localDir()}: what a provider keeps there (its tags and
 * secrets) is never uploaded.
 */
public final class S3StateStore implements StateStore {
    private final S3Client s3;
    private final boolean ownsClient;
    private final S3Objects objects;
    private final Path localDir;

    /**
     * A store on its own client, built from the standard AWS settings ({@link S3Clients}); its local folder is
     * {@code ~/.imago/s3/BUCKET/PREFIX}.
     */
    public static S3StateStore open(S3Location location) {
        Path root = Path.of(System.getProperty("user.home"), ".imago", "s3");
        return new S3StateStore(S3Clients.create(location, S3Clients.Timeouts.defaults()), true, location, location.under(root));
    }

    /** A store on a client of the caller's, which the caller closes. */
    public S3StateStore(S3Client s3, S3Location location, Path localDir) {
        this(s3, false, location, localDir);
    }

    private S3StateStore(S3Client s3, boolean ownsClient, S3Location location, Path localDir) {
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.objects = new S3Objects(s3, location);
        this.localDir = localDir.toAbsolutePath().normalize();
    }

    public S3Location location() {
        return objects.location();
    }

    /** This state's folder on this machine, which holds the providers' folders. */
    public Path localDir() {
        return localDir;
    }

    @Override
    public List<UniverseState> universes() {
        return readAll("universes", UniverseState.class);
    }

    @Override
    public Optional<UniverseState> universe(String name) {
        return read(object("universes", name), UniverseState.class);
    }

    @Override
    public void save(UniverseState universe) {
        objects.put(object("universes", universe.name()), StateJson.bytes(universe));
    }

    @Override
    public void deleteUniverse(String name) {
        objects.delete(object("universes", name));
    }

    @Override
    public List<IngressState> ingresses() {
        return readAll("ingresses", IngressState.class);
    }

    @Override
    public Optional<IngressState> ingress(String name) {
        return read(object("ingresses", name), IngressState.class);
    }

    @Override
    public void save(IngressState ingress) {
        objects.put(object("ingresses", ingress.name()), StateJson.bytes(ingress));
    }

    @Override
    public void deleteIngress(String name) {
        objects.delete(object("ingresses", name));
    }

    @Override
    public Optional<ProviderCalibration> calibration(String provider) {
        return read(object("calibration", provider), ProviderCalibration.class);
    }

    @Override
    public void save(ProviderCalibration calibration) {
        objects.put(object("calibration", calibration.provider()), StateJson.bytes(calibration));
    }

    @Override
    public Lock lock(String operation) {
        return S3Lock.acquire(objects, operation);
    }

    @Override
    public Path providerDir(String provider) {
        // Not created here: a dry run (plan, status) must leave no trace; providers create it on first write.
        return localDir.resolve("providers").resolve(StateNames.plain(provider));
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }

    @Override
    public String toString() {
        return objects.location().toString();
    }

    /** A plain name only, as in the local store: a key never comes out of a name like {@code ../x}. */
    private static String object(String folder, String name) {
        return folder + "/" + StateNames.plain(name) + ".json";
    }

    private <T> List<T> readAll(String folder, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (String name : objects.list(folder)) {
            if (name.endsWith(".json")) {
                // one deleted between the listing and the read is simply gone
                read(folder + "/" + name, type).ifPresent(out::add);
            }
        }
        return out;
    }

    private <T> Optional<T> read(String relative, Class<T> type) {
        Optional<byte[]> bytes = objects.get(relative);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateJson.read(bytes.get(), type));
        } catch (IOException e) {
            throw new StateStoreException("cannot read state object " + objects.location().url(relative) + ": " + e.getMessage(), e);
        }
    }
}
