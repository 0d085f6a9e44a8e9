package io.imago.state.s3;

import java.net.URI;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The S3 endpoint a user configured with the standard AWS settings, in the SDK's order: the system properties
 * {@code aws.endpointUrlS3}, then the variable {@code AWS_ENDPOINT_URL_S3}, then {@code aws.endpointUrl}, then
 * {@code AWS_ENDPOINT_URL}; none when {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} (or
 * {@code aws.ignoreConfiguredEndpointUrls}) is {@code true}. Read here, rather than left to the SDK, because
 * an endpoint of one's own (moto, LocalStack, MinIO) needs path-style addressing.
 */
final class S3Endpoint {
    private S3Endpoint() {}

    static Optional<URI> configured() {
        return configured(System::getProperty, System::getenv);
    }

    static Optional<URI> configured(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        if ("true".equalsIgnoreCase(first(properties.apply("aws.ignoreConfiguredEndpointUrls"),
                environment.apply("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")))) {
            return Optional.empty();
        }
        String url = first(properties.apply("aws.endpointUrlS3"), environment.apply("AWS_ENDPOINT_URL_S3"),
                properties.apply("aws.endpointUrl"), environment.apply("AWS_ENDPOINT_URL"));
        if (url == null) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the AWS endpoint '" + url + "' is not a URL", e);
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("the AWS endpoint '" + url + "' is not a URL like http://127.0.0.1:5000");
        }
        return Optional.of(uri);
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
