package io.imago.providers.aws;

import io.imago.providers.spi.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The provider's clients per region and profile, over one HTTP client. What the provider creates records its region
 * (and profile) in the resource's attributes, and every later call about that resource goes to that region: the engine
 * opens providers for {@code destroy}, {@code status} and {@code rollback} without the blueprint's settings, and a
 * universe created in {@code provider.region: eu-west-1} must not be looked for in {@code AWS_REGION}'s.
 */
final class ClientPool implements AutoCloseable {
    static final String REGION = "region";
    static final String PROFILE = "profile";

    private final AwsSettings settings;
    private final SdkHttpClient http;
    private final boolean ownsHttp;
    private final Map<String, AwsClients> clients = new LinkedHashMap<>();

    ClientPool(AwsSettings settings, SdkHttpClient http, boolean ownsHttp) {
        this.settings = settings;
        this.http = http;
        this.ownsHttp = ownsHttp;
    }

    /** The clients of the blueprint's region and profile: for what is created now. */
    AwsClients get() {
        return of(settings.region(), settings.profile());
    }

    /** The clients of the region and profile the resource was created with (the defaults for attributes without them). */
    AwsClients of(Resource r) {
        String region = r.attr(REGION);
        String profile = r.attr(PROFILE);
        return of(region != null ? region : settings.region(), profile != null ? profile : settings.profile());
    }

    synchronized AwsClients of(String region, String profile) {
        return clients.computeIfAbsent(region + "|" + profile, k -> new AwsClients(region, profile, http));
    }

    /** The attributes that send later calls about a resource made with {@code c} back to its region and profile. */
    static Map<String, String> placement(AwsClients c) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(REGION, c.region().id());
        if (c.profile() != null) {
            a.put(PROFILE, c.profile());
        }
        return a;
    }

    @Override
    public synchronized void close() {
        clients.values().forEach(AwsClients::close);
        clients.clear();
        if (ownsHttp) {
            http.close();
        }
    }
}
