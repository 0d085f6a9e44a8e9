package io.imago.engine;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.CheckSpec;
import io.imago.blueprints.ComputeSpec;
import io.imago.blueprints.Durations;
import io.imago.blueprints.MigrationSpec;
import io.imago.migration.LiveCatalog;
import io.imago.migration.SourceReadSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Forecasts how long each step of an apply takes, from the source's size and write rate (a {@link SourceReading})
 * and the provider's throughputs (a {@link Calibration}). Every figure says what it assumed. Pure: no I/O.
 */
final class Forecaster {
    private final Blueprint bp;
    private final Calibration cal;
    private final SourceReading source;
    private final String sourceNote;
    private final boolean newIngress;
    private final List<LiveCatalog.TableSize> migrated;
    private SourceReadSample sample;

    /**
     * @param source what was read of the replaced universe's database; null when nothing was (then {@code sourceNote} says why)
     * @param newIngress whether PROVISION creates the ingress (else it exists and is kept)
     */
    Forecaster(Blueprint bp, Calibration cal, SourceReading source, String sourceNote, boolean newIngress) {
        this.bp = bp;
        this.cal = cal;
        this.source = source;
        this.sourceNote = sourceNote;
        this.newIngress = newIngress;
        this.migrated = source == null ? List.of() : source.migrated(bp.migrationOrDefault());
    }

    /** {@code plan --calibrate}: the copy reads no faster than the source gave up this sample, per stream. */
    Forecaster withSample(SourceReadSample sample) {
        this.sample = sample;
        return this;
    }

    Plan.Forecast forecast(List<StepName> steps) {
        List<Plan.StepForecast> out = new ArrayList<>();
        double snapshot = 0;
        double toLive = 0;
        double all = 0;
        for (StepName step : steps) {
            Plan.StepForecast f = switch (step) {
                case PROVISION -> provision();
                case PREPARE -> fixed(step, Throughput.PREPARE, "applying " + bp.database().schema().getFileName());
                case SEED -> fixed(step, Throughput.SEED, "loading " + bp.database().seed().getFileName());
                case SNAPSHOT -> snapshot();
                case CATCH_UP -> catchUp(snapshot);
                case VALIDATE -> validate();
                case SWITCHOVER -> switchover();
                case RETIRE -> retire();
            };
            if (step == StepName.SNAPSHOT) {
                snapshot = f.seconds();
            }
            all += f.seconds();
            if (step.ordinal() <= StepName.SWITCHOVER.ordinal()) {
                toLive += f.seconds();
            }
            out.add(new Plan.StepForecast(f.step(), Forecasts.hundredths(f.seconds()), f.assumed()));
        }
        return new Plan.Forecast(Forecasts.hundredths(toLive), Forecasts.hundredths(all), out, facts(), cal.summary());
    }

    private Plan.SourceFacts facts() {
        if (bp.replaces() == null || bp.database() == null) {
            return null;
        }
        if (source == null) {
            return new Plan.SourceFacts(bp.replaces(), false, 0, 0, 0, 0, 0, 0, sourceNote);
        }
        return new Plan.SourceFacts(bp.replaces(), true, migrated.size(), rows(migrated), heap(migrated), index(migrated),
                Forecasts.hundredths(source.writeBytesPerSecond()), Forecasts.hundredths(source.sampleSeconds()),
                "read from " + bp.replaces() + "'s catalog (pg_class, pg_stat_user_tables) and two readings of pg_current_wal_lsn() "
                        + Forecasts.seconds(source.sampleSeconds()) + " apart, as its read-only role");
    }

    private Plan.StepForecast provision() {
        double s = 0;
        List<String> parts = new ArrayList<>();
        if (bp.database() != null && bp.database().isExternal()) {
            parts.add("the external database is used, not rented: 0 s");
        } else if (bp.database() != null) {
            s += cal.value(Throughput.PROVISION_DATABASE);
            parts.add("a database in " + cal.says(Throughput.PROVISION_DATABASE));
        }
        if (newIngress) {
            // Rented beside the database (ProvisionStep): the slower of the two counts.
            s = Math.max(s, cal.value(Throughput.PROVISION_INGRESS));
            parts.add("a new ingress in " + cal.says(Throughput.PROVISION_INGRESS) + ", beside the database");
        } else {
            parts.add("ingress " + bp.ingress().name() + " exists: 0 s");
        }
        int groups = bp.compute().size();
        int instances = bp.compute().stream().mapToInt(ComputeSpec::count).sum();
        s += groups * cal.value(Throughput.PROVISION_INSTANCES);
        parts.add(Plural.count(groups, "compute group") + " (" + Plural.count(instances, "instance") + ", a group's started together) × "
                + cal.says(Throughput.PROVISION_INSTANCES) + " until healthy");
        return new Plan.StepForecast(StepName.PROVISION.name(), s, String.join("; ", parts));
    }

    private Plan.StepForecast fixed(StepName step, Throughput t, String what) {
        return new Plan.StepForecast(step.name(), cal.value(t), what + ": " + cal.says(t));
    }

    private Plan.StepForecast snapshot() {
        String fixed = "fixed " + cal.says(Throughput.SNAPSHOT_FIXED);
        if (source == null) {
            return new Plan.StepForecast(StepName.SNAPSHOT.name(), cal.value(Throughput.SNAPSHOT_FIXED),
                    sourceNote + "; only the " + fixed + " counted");
        }
        long rows = rows(migrated);
        long heap = heap(migrated);
        long index = index(migrated);
        double byRows = rows / cal.value(Throughput.COPY_ROWS);
        double byBytes = heap / cal.value(Throughput.COPY_BYTES);
        String read = "";
        if (sample != null && sample.heapBytes() < Calibrating.MIN_BYTES) {
            read = "; the --calibrate sample (" + ByteSizes.human(sample.heapBytes()) + ") was too small to time the source by, not used";
        } else if (sample != null && sample.heapBytesPerSecond() > 0) {
            int streams = Math.max(1, bp.migrationOrDefault().parallelism());
            double byRead = heap / (sample.heapBytesPerSecond() * streams);
            read = "; " + bp.replaces() + " gave up a " + ByteSizes.human(sample.heapBytes()) + " sample at " + ByteSizes.human((long) sample.heapBytesPerSecond())
                    + "/s of heap on one stream (--calibrate), " + Forecasts.seconds(byRead) + " over " + Plural.count(streams, "stream")
                    + (byRead > Math.max(byRows, byBytes) ? ": the source's reading is the bottleneck" : ": faster than the copy, not the bottleneck");
            byBytes = Math.max(byBytes, byRead);
        }
        double indexes = index / cal.value(Throughput.INDEX_BYTES);
        double s = Math.max(byRows, byBytes) + indexes + cal.value(Throughput.SNAPSHOT_FIXED);
        String assumed = Plural.count(migrated.size(), "table") + " of " + bp.replaces() + " (" + String.format(Locale.ROOT, "~%,d", rows)
                + " " + Plural.of(rows, "row") + ", " + ByteSizes.human(heap) + " of heap, " + ByteSizes.human(index) + " of indexes, from its catalog); "
                + "copy " + Forecasts.seconds(Math.max(byRows, byBytes)) + ", the slower of the rows at " + cal.says(Throughput.COPY_ROWS)
                + " and the heap at " + cal.says(Throughput.COPY_BYTES) + "; indexes rebuilt in " + Forecasts.seconds(indexes) + " at "
                + cal.says(Throughput.INDEX_BYTES) + " (the new schema's indexes taken as big as the old); " + fixed + read;
        return new Plan.StepForecast(StepName.SNAPSHOT.name(), s, assumed);
    }

    /**
     * The backlog is what the source writes during the snapshot; shipping applies it at the apply rate while the source
     * keeps writing, so it shrinks at (apply − write) per second. At or past the apply rate it never catches up.
     */
    private Plan.StepForecast catchUp(double snapshotSeconds) {
        String fixed = "fixed " + cal.says(Throughput.CATCH_UP_FIXED);
        if (source == null) {
            return new Plan.StepForecast(StepName.CATCH_UP.name(), cal.value(Throughput.CATCH_UP_FIXED),
                    sourceNote + "; its write rate unknown, only the " + fixed + " counted");
        }
        double write = source.writeBytesPerSecond();
        double apply = cal.value(Throughput.APPLY_BYTES);
        String rate = bp.replaces() + " writes " + ByteSizes.human((long) write) + "/s of WAL (sampled over "
                + Forecasts.seconds(source.sampleSeconds()) + ")";
        if (write >= apply) {
            double timeout = CatchUpStep.TIMEOUT.toSeconds();
            return new Plan.StepForecast(StepName.CATCH_UP.name(), timeout, rate + ", not less than the apply rate "
                    + cal.says(Throughput.APPLY_BYTES) + ": shipping would not catch up, and apply would fail after "
                    + Forecasts.seconds(timeout) + " with " + bp.replaces() + " still live");
        }
        double backlog = write * snapshotSeconds;
        double s = backlog / (apply - write) + cal.value(Throughput.CATCH_UP_FIXED);
        return new Plan.StepForecast(StepName.CATCH_UP.name(), s, rate + ": " + ByteSizes.human((long) backlog) + " written during the "
                + Forecasts.seconds(snapshotSeconds) + " snapshot, applied at " + cal.says(Throughput.APPLY_BYTES)
                + " while it keeps writing, until the lag is under " + Durations.format(bp.migrationOrDefault().maxLag()) + "; " + fixed);
    }

    private Plan.StepForecast validate() {
        MigrationSpec m = bp.migrationOrDefault();
        boolean compares = bp.replaces() != null && bp.database() != null;
        int instances = bp.compute().stream().mapToInt(ComputeSpec::count).sum();
        double s = 0;
        long bytes = 0;
        boolean data = false;
        List<String> parts = new ArrayList<>();
        for (CheckSpec c : bp.validate()) {
            if (c instanceof CheckSpec.RowCounts) {
                data = true;
                bytes += heap(migrated);
                parts.add("rowCounts over " + ByteSizes.human(heap(migrated)));
            } else if (c instanceof CheckSpec.Checksums cs) {
                data = true;
                long b = 0;
                for (String name : cs.tables()) {
                    LiveCatalog.TableSize t = SourceReading.named(migrated, m, name);
                    b += t == null ? 0 : t.heapBytes();
                }
                bytes += b;
                parts.add("checksums of " + String.join(", ", cs.tables()) + " over " + ByteSizes.human(b));
            } else if (c instanceof CheckSpec.Http h) {
                s += instances * cal.value(Throughput.HTTP_REQUEST);
                parts.add("http " + h.path() + " on " + Plural.count(instances, "instance") + " × " + cal.says(Throughput.HTTP_REQUEST));
            } else if (c instanceof CheckSpec.Compare cp) {
                s += 2 * cal.value(Throughput.HTTP_REQUEST);
                parts.add("compare " + cp.path() + ": 2 requests × " + Forecasts.seconds(cal.value(Throughput.HTTP_REQUEST)));
            } else if (c instanceof CheckSpec.Shadow sh) {
                s += sh.duration().toMillis() / 1000.0;
                parts.add("shadow: live reads copied to the new universe and compared for " + io.imago.blueprints.Durations.format(sh.duration())
                        + " (the check's duration)");
            } else if (c instanceof CheckSpec.Command cmd) {
                s += cal.value(Throughput.COMMAND);
                parts.add("command " + String.join(" ", cmd.argv()) + ": " + cal.says(Throughput.COMMAND));
            }
        }
        if (data && compares) {
            s += cal.value(Throughput.CHECK_FIXED) + bytes / cal.value(Throughput.CHECK_BYTES);
            parts.add("data read at " + cal.says(Throughput.CHECK_BYTES) + ", after a consistent cut of " + cal.says(Throughput.CHECK_FIXED)
                    + (source == null ? "; " + sourceNote + ", so no table size counted" : ""));
        } else if (data) {
            parts.add("nothing migrated, so the data checks compare nothing: 0 s");
        }
        return new Plan.StepForecast(StepName.VALIDATE.name(), s, String.join("; ", parts));
    }

    /**
     * The pause is forecast as measured, capped by {@code maxWritePause}: the cap is what the switch tolerates, not what
     * it takes (tens of milliseconds against a default of 2 s), and counting it whole made every forecast of a short
     * upgrade seconds too long.
     */
    private Plan.StepForecast switchover() {
        double s = cal.value(Throughput.SWITCHOVER_FIXED);
        String fixed = "the rest " + cal.says(Throughput.SWITCHOVER_FIXED);
        if (bp.replaces() != null && bp.database() != null) {
            double cap = bp.switchover().maxWritePause().toMillis() / 1000.0;
            double pause = Math.min(cal.value(Throughput.WRITE_PAUSE), cap);
            return new Plan.StepForecast(StepName.SWITCHOVER.name(), s + pause, "writes paused " + cal.says(Throughput.WRITE_PAUSE)
                    + ", at most " + Durations.format(bp.switchover().maxWritePause()) + " (switchover.maxWritePause: past it the switch aborts and "
                    + bp.replaces() + " stays live); " + fixed);
        }
        return new Plan.StepForecast(StepName.SWITCHOVER.name(), s, "no database to fence: the ingress flips; " + fixed);
    }

    private Plan.StepForecast retire() {
        if (!bp.teardown().keepForever() && bp.teardown().keepOld().isZero()) {
            return new Plan.StepForecast(StepName.RETIRE.name(), cal.value(Throughput.RETIRE), bp.replaces() + " torn down at once (keepOld: 0): "
                    + cal.says(Throughput.RETIRE));
        }
        return new Plan.StepForecast(StepName.RETIRE.name(), 0, bp.replaces() + " kept for rollback ("
                + (bp.teardown().keepForever() ? "keepOld: never" : "keepOld: " + Durations.format(bp.teardown().keepOld()))
                + "): nothing torn down now");
    }

    static long rows(List<LiveCatalog.TableSize> tables) {
        return tables.stream().mapToLong(LiveCatalog.TableSize::estimatedRows).sum();
    }

    static long heap(List<LiveCatalog.TableSize> tables) {
        return tables.stream().mapToLong(LiveCatalog.TableSize::heapBytes).sum();
    }

    static long index(List<LiveCatalog.TableSize> tables) {
        return tables.stream().mapToLong(LiveCatalog.TableSize::indexBytes).sum();
    }
}
