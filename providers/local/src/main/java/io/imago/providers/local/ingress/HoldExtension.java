package io.imago.providers.local.ingress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A hold's extension, written by the switch as a file beside the ingress's backends file instead of sent as an admin
 * call: the switch stretches the hold just before it commits the lasting fence, so that a crash between that commit
 * and the flip makes the held requests wait for the re-run rather than meet the fence, and an admin call there cost
 * 3–5 ms of the write pause where writing this file costs a few hundredths of one. The ingress reads it only when a
 * hold reaches its deadline: an extension naming that hold's token moves the deadline. A token names one hold, so an
 * extension left from an earlier switch extends nothing.
 *
 * <p>Not synced: it only matters to a running ingress, and a crash of the machine ends the ingress and its hold too.
 * Written to a temporary file and renamed into place, so the ingress never reads half of one.
 */
public final class HoldExtension implements RequestGate.Extensions {
    static final String FILE_NAME = "hold-extension";

    private final Path file;

    /** @param file where extensions for this ingress are written (beside its backends file) */
    HoldExtension(Path file) {
        this.file = file;
    }

    /** The file for the ingress whose backends file is {@code backendsFile}. */
    public static Path beside(Path backendsFile) {
        return backendsFile.toAbsolutePath().resolveSibling(FILE_NAME);
    }

    /** Extends the hold named {@code token} to {@code max} from now. */
    public static void write(Path file, String token, Duration max) throws IOException {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        long until = System.currentTimeMillis() + max.toMillis();
        Files.writeString(tmp, token + " " + until + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public OptionalLong untilEpochMillis(String token) {
        try {
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
            if (parts.length == 2 && parts[0].equals(token)) {
                return OptionalLong.of(Long.parseLong(parts[1]));
            }
        } catch (NoSuchFileException e) {
            // no extension
        } catch (IOException | RuntimeException e) {
            // unreadable: the hold ends at its own deadline, as without an extension
        }
        return OptionalLong.empty();
    }

    @Override
    public void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover names a hold that is over: it extends nothing
        }
    }
}
