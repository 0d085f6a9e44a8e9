package io.imago.engine;

/**
 * The figures {@code plan} forecasts an apply's duration from, each measured by {@code apply} on a provider and kept in
 * the state's calibration of that provider ({@link Calibration}). Rates are per second; fixed costs in seconds. The
 * generic value is the last resort, for a provider that ships no calibration and was never measured.
 */
enum Throughput {
    COPY_ROWS("copyRowsPerSecond", Unit.ROWS_PER_SECOND, 50_000, "rows copied per second (source rows read, whatever the filters keep)"),
    COPY_BYTES("copyBytesPerSecond", Unit.BYTES_PER_SECOND, 20e6, "source heap bytes copied per second"),
    INDEX_BYTES("indexBytesPerSecond", Unit.BYTES_PER_SECOND, 30e6, "index bytes rebuilt per second after the load (the source's index size)"),
    SNAPSHOT_FIXED("snapshotFixedSeconds", Unit.SECONDS, 2, "the snapshot's fixed cost: publication, slot, ANALYZE, sequences"),
    APPLY_BYTES("applyBytesPerSecond", Unit.BYTES_PER_SECOND, 5e6, "source WAL bytes shipped and applied per second"),
    CATCH_UP_FIXED("catchUpFixedSeconds", Unit.SECONDS, 1, "catching up's fixed cost: connecting the slot, the first lag readings"),
    CHECK_BYTES("checkBytesPerSecond", Unit.BYTES_PER_SECOND, 50e6, "source heap bytes compared per second by rowCounts and checksums"),
    CHECK_FIXED("dataCheckFixedSeconds", Unit.SECONDS, 0.5, "the data checks' fixed cost: the consistent cut on both sides"),
    HTTP_REQUEST("httpRequestSeconds", Unit.SECONDS, 0.1, "one request of an http or compare check"),
    COMMAND("commandCheckSeconds", Unit.SECONDS, 2, "one command check (whatever it runs)"),
    PROVISION_DATABASE("provisionDatabaseSeconds", Unit.SECONDS, 10, "renting a database until it accepts connections"),
    PROVISION_INGRESS("provisionIngressSeconds", Unit.SECONDS, 2, "creating an ingress"),
    PROVISION_INSTANCES("provisionInstancesSeconds", Unit.SECONDS, 20, "one compute group, from starting its instances until all are healthy"),
    PREPARE("prepareSeconds", Unit.SECONDS, 1, "applying the schema"),
    SEED("seedSeconds", Unit.SECONDS, 1, "loading the seed"),
    SWITCHOVER_FIXED("switchoverFixedSeconds", Unit.SECONDS, 1, "the switch besides the write pause: requests in flight, slot clean-up"),
    WRITE_PAUSE("writePauseSeconds", Unit.SECONDS, 0.1, "the switch's write pause (fence, drain, flip), as the last switch here took it"),
    RETIRE("retireSeconds", Unit.SECONDS, 2, "tearing the replaced universe down at once (keepOld: 0)");

    enum Unit { ROWS_PER_SECOND, BYTES_PER_SECOND, SECONDS }

    private final String key;
    private final Unit unit;
    private final double generic;
    private final String meaning;

    Throughput(String key, Unit unit, double generic, String meaning) {
        this.key = key;
        this.unit = unit;
        this.generic = generic;
        this.meaning = meaning;
    }

    /** The name in the calibration file. */
    String key() {
        return key;
    }

    Unit unit() {
        return unit;
    }

    double generic() {
        return generic;
    }

    String meaning() {
        return meaning;
    }

    /** A value of this figure as people read it: {@code 61,000 rows/s}, {@code 25.0 MiB/s}, {@code 1.2 s}. */
    String human(double value) {
        return switch (unit) {
            case ROWS_PER_SECOND -> String.format(java.util.Locale.ROOT, "%,.0f rows/s", value);
            case BYTES_PER_SECOND -> ByteSizes.human((long) value) + "/s";
            case SECONDS -> Forecasts.seconds(value);
        };
    }

    static java.util.Optional<Throughput> byKey(String key) {
        for (Throughput t : values()) {
            if (t.key.equals(key)) {
                return java.util.Optional.of(t);
            }
        }
        return java.util.Optional.empty();
    }
}
