package io.imago.providers.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file's content so that a reader, a crash or a power cut sees either the old content or the new, whole:
 * a temporary file beside it (owner-only from its first byte when asked: a chmod after the write would leave a moment
 * in which another user could open it and keep it open), synced, renamed over the file, and the folder synced so
 * that the rename itself survives. What resuming relies on is the order of such writes, so each is durable before
 * the next begins. The one routine for the providers' and the engine's own records.
 */
public final class DurableFiles {
    /** A step on the temporary file before it takes the file's place (giving it to the server's user, say). */
    @FunctionalInterface
    public interface BeforeRename {
        void apply(Path tmp) throws IOException;
    }

    private DurableFiles() {}

    /** {@link #replace(Path, byte[], boolean, BeforeRename)}, readable by its owner only, nothing before the rename. */
    public static void replace(Path file, byte[] bytes) throws IOException {
        replace(file, bytes, true, tmp -> { });
    }

    /**
     * @param ownerOnly created with mode 0600 (else the process's default)
     * @param beforeRename run on the synced temporary file before it takes the file's place
     */
    public static void replace(Path file, byte[] bytes, boolean ownerOnly, BeforeRename beforeRename) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        writeSynced(tmp, bytes, ownerOnly);
        beforeRename.apply(tmp);
        moveInto(tmp, file);
    }

    /**
     * The first half of {@link #replace}, for a caller that prepares a content ahead of the moment it must take effect:
     * {@code staged} (a fresh file) holds {@code bytes}, synced. {@link #moveInto} is the second half.
     */
    public static void writeSynced(Path staged, byte[] bytes, boolean ownerOnly) throws IOException {
        Files.deleteIfExists(staged); // a crash's leftover: its mode may not be ours
        try {
            if (ownerOnly) {
                Files.createFile(staged, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(staged);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another writer is preparing " + staged + " at the same time", e);
        }
        try (FileChannel ch = FileChannel.open(staged, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /** The second half of {@link #replace}: {@code staged}, already synced, takes {@code file}'s place, durably. */
    public static void moveInto(Path staged, Path file) throws IOException {
        Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncFolder(file.toAbsolutePath().getParent());
    }

    /** Makes a rename or a creation in {@code dir} durable; a platform that cannot open a folder keeps the rename atomic. */
    public static void syncFolder(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (UnsupportedOperationException e) {
            // some platforms cannot open a folder for fsync
        }
    }
}
