package io.imago.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes, before or after the command's name. */
public final class GlobalOptions {
    public enum Format { text, json }

    @Option(names = "--state", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Where Imago keeps its state (default: .imago in the working directory): what it knows of universes.")
    Path state = Path.of(".imago");

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: text). JSON goes to stdout, progress to stderr.")
    Format output = Format.text;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Show every detail of the work as it happens.")
    boolean verbose;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "Plain text without colours (also when NO_COLOR is set).")
    boolean noColor;

    @Option(names = {"-y", "--yes"}, scope = ScopeType.INHERIT, description = "Do not ask for confirmation (apply, destroy, rollback).")
    boolean yes;

    boolean json() {
        return output == Format.json;
    }
}
