package io.imago.engine;

import io.imago.state.ProviderCalibration;
import io.imago.state.StateJson;
import io.imago.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The throughputs a forecast uses for one provider, each with where it came from: what {@code apply} last measured
 * there (the state's {@code calibration/<provider>.json}), else the default the provider ships
 * ({@code imago/calibration/<provider>.json} in its jar), else Imago's generic figure.
 */
final class Calibration {
    /** The shipped default of a provider, on the class path beside it. */
    static final String SHIPPED = "imago/calibration/%s.json";

    /** @param origin where the value comes from, in words: "measured by shop-v2's apply on 2026-01-02" */
    record Figure(double value, String origin, boolean measured) {}

    private final String provider;
    private final Map<Throughput, Figure> figures;

    Calibration(String provider, Map<Throughput, Figure> figures) {
        this.provider = provider;
        this.figures = new EnumMap<>(Throughput.class);
        for (Throughput t : Throughput.values()) {
            this.figures.put(t, figures.getOrDefault(t, new Figure(t.generic(), "Imago's generic default", false)));
        }
    }

    /** What a provider's forecasts use: the state's measurements over the provider's shipped defaults. */
    static Calibration load(StateStore store, String provider) {
        Map<Throughput, Figure> m = new EnumMap<>(Throughput.class);
        shipped(provider).ifPresent(c -> c.figures().forEach((k, v) -> Throughput.byKey(k).ifPresent(t ->
                m.put(t, new Figure(v.value(), provider + "'s shipped default", false))))); // its basis: in the file
        store.calibration(provider).ifPresent(c -> c.figures().forEach((k, v) -> Throughput.byKey(k).ifPresent(t -> {
            if (v.value() > 0 || t.unit() == Throughput.Unit.SECONDS) {
                m.put(t, new Figure(v.value(), "measured by " + v.universe() + "'s apply on " + day(v), true));
            }
        })));
        return new Calibration(provider, m);
    }

    static Optional<ProviderCalibration> shipped(String provider) {
        String resource = String.format(SHIPPED, provider);
        try (InputStream in = Calibration.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(StateJson.read(in.readAllBytes(), ProviderCalibration.class));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    private static String day(ProviderCalibration.Measurement v) {
        return v.measured() == null ? "an unknown day" : DateTimeFormatter.ISO_LOCAL_DATE.format(v.measured().atZone(ZoneOffset.UTC));
    }

    String provider() {
        return provider;
    }

    Figure get(Throughput t) {
        return figures.get(t);
    }

    double value(Throughput t) {
        return figures.get(t).value();
    }

    /** A figure with its origin, for an {@code assumed} text: "61,000 rows/s (measured by shop-v2's apply on 2026-01-02)". */
    String says(Throughput t) {
        Figure f = figures.get(t);
        return t.human(f.value()) + " (" + f.origin() + ")";
    }

    /** One line: how many figures were measured on this provider and how many are defaults. */
    String summary() {
        long measured = figures.values().stream().filter(Figure::measured).count();
        return provider + " provider: " + measured + " of " + figures.size() + " figures measured by earlier applies here, the others "
                + (shipped(provider).isPresent() ? "the provider's shipped defaults" : "Imago's generic defaults");
    }
}
