package io.imago.engine;

import io.imago.migration.LiveCatalog;
import io.imago.migration.PgEndpoint;
import io.imago.migration.SourceReadSample;
import io.imago.providers.spi.Provider;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** Reads what a forecast needs of the live source universe's database; a fake in tests. */
interface SourceProbe {
    /** @throws Exception when the database cannot be read; the forecast then says so and counts the source as empty */
    SourceReading read(UniverseState source) throws Exception;

    /**
     * {@code plan --calibrate}: how fast the source gives up its rows, read on a sample of about {@link #SAMPLE_BYTES}
     * of these tables' heap; null when this probe cannot read one.
     */
    default SourceReadSample sample(UniverseState source, List<LiveCatalog.TableSize> tables) throws Exception {
        return null;
    }

    /** How much of the source's heap {@code plan --calibrate} reads. */
    long SAMPLE_BYTES = 64L * 1024 * 1024;

    /** How long the write rate is sampled: two readings of the log position this far apart. */
    Duration SAMPLE = Duration.ofSeconds(1);

    /**
     * The real one: catalog queries and two log positions, as the role that can only read
     * ({@code DatabaseService.readerCredentials}), on connections with brief timeouts. Changes nothing there.
     */
    static SourceProbe live(Function<String, Provider> providers) {
        return new SourceProbe() {
            @Override
            public SourceReading read(UniverseState source) throws Exception {
                PgEndpoint reader = reader(source);
                var tables = LiveCatalog.tableSizes(reader);
                LiveCatalog.WalRate rate = LiveCatalog.walRate(reader, SAMPLE);
                return new SourceReading(tables, rate.bytes(), rate.seconds());
            }

            @Override
            public SourceReadSample sample(UniverseState source, List<LiveCatalog.TableSize> tables) throws Exception {
                return SourceReadSample.read(reader(source), tables, SAMPLE_BYTES);
            }

            private PgEndpoint reader(UniverseState source) {
                Provider p = providers.apply(source.provider());
                var db = source.resource("database").map(Resources::resource)
                        .orElseThrow(() -> new IllegalStateException(source.name() + " has no database"));
                return SnapshotStep.endpoint(p.database().readerCredentials(db));
            }
        };
    }
}
