package io.imago.state;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code apply} measured on one provider (copy rates, apply rate, how long renting took...), kept beside the
 * universes so that {@code plan} forecasts from this provider's real figures rather than from shipped defaults.
 * Each figure is the latest measurement, with when and by whose apply it was taken.
 *
 * @param provider the provider's type, as in blueprints ({@code local}, {@code aws})
 * @param figures by name (see the engine's {@code Throughput}); a figure never measured is absent
 */
public record ProviderCalibration(String provider, Map<String, Measurement> figures) {
    public ProviderCalibration {
        figures = Map.copyOf(figures == null ? Map.of() : figures);
    }

    /**
     * @param value in the figure's own unit (rows per second, bytes per second, seconds)
     * @param measured when the apply measured it
     * @param universe whose apply measured it
     * @param basis what it was measured over, in words ("1,200,000 rows in 4.1 s")
     */
    public record Measurement(double value, Instant measured, String universe, String basis) {}

    public static ProviderCalibration empty(String provider) {
        return new ProviderCalibration(provider, Map.of());
    }

    /** This calibration with these figures replaced (or added), the others kept. */
    public ProviderCalibration with(Map<String, Measurement> measured) {
        Map<String, Measurement> m = new TreeMap<>(figures);
        m.putAll(measured);
        return new ProviderCalibration(provider, m);
    }
}
