package io.imago.providers.spi.shadow;

import io.imago.providers.spi.Endpoint;
import java.time.Duration;
import java.util.List;

/**
 * What VALIDATE asks of an ingress that can shadow: copy a {@code sample} (0-1) of the live safe requests (GET, HEAD)
 * to the {@code candidates} (the new universe) for {@code duration}, off the users' path, and compare each answer with
 * the old universe's, leaving out the {@code ignore}d JSON paths ({@link IgnorePaths}). A mismatch is asked again once
 * after {@code retryAfter} (the new universe's lag behind the old), and counts unless the data behind it was changing.
 * Mirroring stops by itself at the end of {@code duration}. Latencies of copies made in the first {@code warmUp} are not
 * counted (the new universe's instances have just started; the copies warm them), their answers are.
 */
public record ShadowRequest(List<Endpoint> candidates, double sample, Duration duration, List<String> ignore, Duration retryAfter,
        Duration warmUp) {
    public ShadowRequest {
        candidates = List.copyOf(candidates);
        ignore = List.copyOf(ignore);
        if (!(sample > 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be in (0, 1], got " + sample);
        }
    }
}
