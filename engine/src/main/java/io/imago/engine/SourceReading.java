package io.imago.engine;

import io.imago.blueprints.MigrationSpec;
import io.imago.blueprints.TransformSpec;
import io.imago.migration.LiveCatalog;
import java.util.List;

/**
 * What a forecast knows of the live source: its tables' sizes from the catalog, and how fast it writes its log.
 *
 * @param tables every table of schema public, with its heap and index bytes and row estimate
 * @param walBytes WAL written during the sample
 * @param sampleSeconds how long the sample lasted
 */
record SourceReading(List<LiveCatalog.TableSize> tables, long walBytes, double sampleSeconds) {
    double writeBytesPerSecond() {
        return sampleSeconds <= 0 ? 0 : walBytes / sampleSeconds;
    }

    /** The tables the migration copies: the ones it names (or all), less the skipped ones. */
    List<LiveCatalog.TableSize> migrated(MigrationSpec m) {
        return tables.stream()
                .filter(t -> m.allTables() || m.tables().contains(t.table()))
                .filter(t -> !m.transformFor(t.table()).map(TransformSpec::skip).orElse(false))
                .toList();
    }

    /** Of the migrated tables, the one a check names by its source or target name; null when none. */
    static LiveCatalog.TableSize named(List<LiveCatalog.TableSize> migrated, MigrationSpec m, String name) {
        for (LiveCatalog.TableSize t : migrated) {
            String target = m.transformFor(t.table()).map(TransformSpec::targetTable).orElse(t.table());
            if (t.table().equals(name) || name.equals(target)) {
                return t;
            }
        }
        return null;
    }
}
