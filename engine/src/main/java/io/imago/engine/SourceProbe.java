package io.imago.engine;

import io.imago.migration.LiveCatalog;
import io.imago.migration.PgEndpoint;
import io.imago.providers.spi.Provider;
import io.imago.state.UniverseState;
import java.time.Duration;
import java.util.function.Function;

/** Reads what a forecast needs of the live source universe's database; a fake in tests. */
interface SourceProbe {
    /** @throws Exception when the database cannot be read; the forecast then says so and counts the source as empty */
    SourceReading read(UniverseState source) throws Exception;

    /** How long the write rate is sampled: two readings of the log position this far apart. */
    Duration SAMPLE = Duration.ofSeconds(1);

    /**
     * The real one: catalog queries and two log positions, as the role that can only read
     * ({@code DatabaseService.readerCredentials}), on connections with brief timeouts. Changes nothing there.
     */
    static SourceProbe live(Function<String, Provider> providers) {
        return source -> {
            Provider p = providers.apply(source.provider());
            var db = source.resource("database").map(Resources::resource)
                    .orElseThrow(() -> new IllegalStateException(source.name() + " has no database"));
            PgEndpoint reader = SnapshotStep.endpoint(p.database().readerCredentials(db));
            var tables = LiveCatalog.tableSizes(reader);
            LiveCatalog.WalRate rate = LiveCatalog.walRate(reader, SAMPLE);
            return new SourceReading(tables, rate.bytes(), rate.seconds());
        };
    }
}
