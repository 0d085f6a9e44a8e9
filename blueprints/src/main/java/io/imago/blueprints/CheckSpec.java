package io.imago.blueprints;

import java.util.List;

/** One entry of {@code validate:}, run against the new universe before the switch. */
public sealed interface CheckSpec {
    SourcePos pos();

    /** Every migrated table: source rows (after where/skip) vs target rows. */
    record RowCounts(SourcePos pos) implements CheckSpec {}

    /** Order-independent checksums of the converted rows of the named target tables. */
    record Checksums(List<String> tables, SourcePos pos) implements CheckSpec {}

    /** A request to each new instance directly; passes when the status equals {@code expect}. */
    record Http(String path, int expect, SourcePos pos) implements CheckSpec {}

    /** The same request to old and new; status and (JSON) bodies compared, {@code ignore} fields left out. */
    record Compare(String path, List<String> ignore, SourcePos pos) implements CheckSpec {}

    /** A user command; exit 0 passes. Gets IMAGO_NEW_URL and IMAGO_OLD_URL. */
    record Command(List<String> argv, SourcePos pos) implements CheckSpec {}
}
