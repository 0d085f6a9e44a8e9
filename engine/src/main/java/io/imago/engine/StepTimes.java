package io.imago.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Seconds by step, in pipeline order: a forecast as the state keeps it ({@code {"PROVISION":3.1,...}}). */
record StepTimes(Map<String, Double> seconds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    StepTimes {
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    static StepTimes of(Plan.Forecast f) {
        Map<String, Double> m = new LinkedHashMap<>();
        f.steps().forEach(s -> m.put(s.step(), s.seconds()));
        return new StepTimes(m);
    }

    static StepTimes parse(String json) {
        try {
            return new StepTimes(JSON.readValue(json, new TypeReference<LinkedHashMap<String, Double>>() { }));
        } catch (IOException e) {
            throw new UncheckedIOException("not a forecast: " + json, e);
        }
    }

    static String format(StepTimes t) {
        try {
            return JSON.writeValueAsString(t.seconds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
