package io.imago.providers.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir Path dir;

    @Test
    void theFileIsReplacedWholeOwnerOnlyAndTheStepBeforeTheRenameStillSeesTheOldContent() throws Exception {
        Path f = dir.resolve("record.json");
        Files.writeString(f, "old");
        Files.writeString(dir.resolve("record.json.tmp"), "a crash's leftover");
        AtomicReference<String> seen = new AtomicReference<>();
        DurableFiles.replace(f, "new".getBytes(), true, tmp -> seen.set(Files.readString(f) + " / " + Files.readString(tmp)));
        assertEquals("old / new", seen.get());
        assertEquals("new", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertFalse(Files.exists(dir.resolve("record.json.tmp")));
    }
}
