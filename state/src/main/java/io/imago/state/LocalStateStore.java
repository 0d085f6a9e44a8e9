package io.imago.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state in a local folder ({@code .imago} by default): one JSON file per universe and per
 * ingress, written atomically (temp file, fsync, rename), readable by the owner only. The lock is
 * an OS file lock, so a run killed with -9 never leaves a stale lock behind.
 */
public final class LocalStateStore implements StateStore {
    private static final ObjectMapper JSON = StateJson.mapper();

    private final Path dir;

    public LocalStateStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** A plain name only: a name like {@code ../x} must never make the store read or write outside its folders. */
    private Path file(String folder, String name) {
        return dir.resolve(folder).resolve(StateNames.plain(name) + ".json");
    }

    @Override
    public List<UniverseState> universes() {
        return readAll(dir.resolve("universes"), UniverseState.class);
    }

    @Override
    public Optional<UniverseState> universe(String name) {
        return read(file("universes", name), UniverseState.class);
    }

    @Override
    public void save(UniverseState universe) {
        write(file("universes", universe.name()), universe);
    }

    @Override
    public void deleteUniverse(String name) {
        delete(file("universes", name));
    }

    @Override
    public List<IngressState> ingresses() {
        return readAll(dir.resolve("ingresses"), IngressState.class);
    }

    @Override
    public Optional<IngressState> ingress(String name) {
        return read(file("ingresses", name), IngressState.class);
    }

    @Override
    public void save(IngressState ingress) {
        write(file("ingresses", ingress.name()), ingress);
    }

    @Override
    public void deleteIngress(String name) {
        delete(file("ingresses", name));
    }

    @Override
    public Optional<ProviderCalibration> calibration(String provider) {
        return read(file("calibration", provider), ProviderCalibration.class);
    }

    @Override
    public void save(ProviderCalibration calibration) {
        write(file("calibration", calibration.provider()), calibration);
    }

    @Override
    public Path providerDir(String provider) {
        // Not created here: a dry run (plan, status) must leave no trace; providers create it on first write.
        return dir.resolve("providers").resolve(StateNames.plain(provider));
    }

    @Override
    public Lock lock(String operation) {
        ensureDir(dir);
        Path lockFile = dir.resolve("lock");
        try {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            restrict(lockFile);
            FileLock fl;
            try {
                fl = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                fl = null;
            }
            if (fl == null) {
                LockInfo holder = readHolder(ch);
                ch.close();
                throw new StateLockedException(holder);
            }
            LockInfo me = LockInfo.forThisProcess(operation);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(me)), 0);
            ch.force(true);
            FileLock held = fl;
            return () -> {
                try {
                    ch.truncate(0);
                    held.release();
                    ch.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the state in " + dir, e);
        }
    }

    private static LockInfo readHolder(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ch.size(), 65536));
        ch.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return JSON.readValue(text, LockInfo.class);
        } catch (IOException e) {
            return null;
        }
    }

    private <T> List<T> readAll(Path folder, Class<T> type) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<T> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                read(f, type).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private <T> Optional<T> read(Path file, Class<T> type) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), type));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read state file " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(Path file, Object value) {
        ensureDir(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            byte[] bytes = JSON.writeValueAsBytes(value);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                restrict(tmp);
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + file, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void syncDir(Path d) {
        // A rename is durable only once its directory entry is: fsync the folder too (best effort).
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems refuse to open directories; the rename itself is still atomic
        }
    }

    static void ensureDir(Path d) {
        try {
            if (!Files.isDirectory(d)) {
                try {
                    Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException ignored) {
                    // raced with another creator: fine
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d, e);
        }
    }

    private static void restrict(Path f) throws IOException {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    }
}
