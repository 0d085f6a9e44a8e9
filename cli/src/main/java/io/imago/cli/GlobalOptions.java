package io.imago.cli;

import io.imago.state.StateStores;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes, before or after the command's name. */
public final class GlobalOptions {
    public enum Format { text, json }

    @Option(names = "--state", paramLabel = "DIR|s3://BUCKET/PREFIX", scope = ScopeType.INHERIT, converter = StateSpec.class,
            description = "Where Imago keeps what it knows of universes: a folder (default: .imago in the working directory)"
                    + " or an S3 prefix, locked by a lock object; AWS region, credentials and endpoint come from the usual"
                    + " settings (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL...), providers' files stay in ~/.imago/s3/BUCKET/PREFIX.")
    String state = ".imago";

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

    /** A --state value is checked as it is parsed: a malformed one is a usage error (exit 2) before anything runs. */
    static final class StateSpec implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                StateStores.check(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
