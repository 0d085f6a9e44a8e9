package io.imago.blueprints;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Loads a blueprint file into the model, or into the list of everything wrong with it. User
 * errors are values in the result, never exceptions, so the CLI can render them all at once.
 */
public final class BlueprintLoader {
    private BlueprintLoader() {}

    /**
     * @param blueprint null when any diagnostic is an error
     * @param diagnostics errors and warnings in file order
     */
    public record LoadResult(Blueprint blueprint, List<Diagnostic> diagnostics) {
        public LoadResult {
            diagnostics = List.copyOf(diagnostics);
        }

        public boolean ok() {
            return blueprint != null;
        }

        public List<Diagnostic> errors() {
            return diagnostics.stream().filter(Diagnostic::isError).toList();
        }
    }

    /** Diagnostics name the file as given ({@link Path#toString()}), as users typed it. */
    public static LoadResult load(Path file) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return failed(name, Files.isDirectory(file) ? "not a file" : "file not found");
        } catch (CharacterCodingException e) {
            return failed(name, "file is not utf-8 text");
        } catch (IOException e) {
            return failed(name, Files.isDirectory(file) ? "not a file" : "cannot read file");
        }
        return parse(name, text, file, file.toAbsolutePath().getParent(), System::getenv);
    }

    /** @param baseDir the folder relative paths resolve against (the blueprint's own, normally) */
    public static LoadResult parse(String displayName, String yamlText, Path baseDir) {
        return parse(displayName, yamlText, baseDir, System::getenv);
    }

    /**
     * As {@link #parse(String, String, Path)}, with the environment {@code ${env:NAME}} references
     * are checked against (tests, or a CLI that loads an env file).
     */
    public static LoadResult parse(
            String displayName, String yamlText, Path baseDir, Function<String, String> environment) {
        Path dir = (baseDir == null ? Path.of("") : baseDir).toAbsolutePath();
        return parse(displayName, yamlText, dir.resolve(fileName(displayName)), dir, environment);
    }

    private static LoadResult parse(String displayName, String yamlText, Path file, Path baseDir,
            Function<String, String> environment) {
        Diagnostics d = new Diagnostics();
        Blueprint blueprint = YamlTreeReader.read(displayName, yamlText, d)
                .map(root -> new BlueprintReader(baseDir, environment, d).read(root, file))
                .orElse(null);
        return new LoadResult(d.hasErrors() ? null : blueprint, d.inFileOrder());
    }

    /** {@link Blueprint#dir()} must be {@code baseDir}, whatever the display name looks like. */
    private static Path fileName(String displayName) {
        try {
            Path name = Path.of(displayName).getFileName();
            return name != null ? name : Path.of("blueprint.yaml");
        } catch (InvalidPathException e) {
            return Path.of("blueprint.yaml");
        }
    }

    private static LoadResult failed(String file, String message) {
        return new LoadResult(null, List.of(Diagnostic.error(new SourcePos(file, 0, 0), message)));
    }
}
