package io.imago.state.s3;

import io.imago.state.StateStoreException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Builds the S3 client of a remote state from the standard AWS settings: credentials from the SDK's default
 * chain (environment, system properties, profile, container or instance role), the region from
 * {@code AWS_REGION}/{@code aws.region} or the profile, the endpoint as {@link S3Endpoint} reads it (path-style
 * when one is set). Retries follow the standard mode unless {@code AWS_RETRY_MODE} says otherwise (throttling,
 * 5xx and connection failures, with backoff); every call ends within {@link Timeouts#call}.
 */
public final class S3Clients {
    /**
     * @param connect to open a connection
     * @param read between two reads of an answer
     * @param attempt one attempt of a call
     * @param call a whole call, its retries included: no wait is longer
     */
    public record Timeouts(Duration connect, Duration read, Duration attempt, Duration call) {
        public static Timeouts defaults() {
            return new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(90));
        }
    }

    private S3Clients() {}

    /** @throws StateStoreException when no region is configured */
    public static S3Client create(S3Location location, Timeouts timeouts) {
        Optional<URI> endpoint = S3Endpoint.configured();
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(timeouts.connect())
                        .socketTimeout(timeouts.read()))
                .overrideConfiguration(c -> c
                        .retryStrategy(RetryMode.resolver().defaultRetryMode(RetryMode.STANDARD).resolve())
                        .apiCallAttemptTimeout(timeouts.attempt())
                        .apiCallTimeout(timeouts.call()))
                // State objects are a few kB: "Expect: 100-continue" would save nothing, and the JDK's HTTP client
                // handles a refusal of it (a conditional write's 412) poorly.
                .serviceConfiguration(S3Configuration.builder()
                        .expectContinueEnabled(false)
                        .pathStyleAccessEnabled(endpoint.isPresent())
                        .build())
                .region(region(location, endpoint.isPresent()));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static Region region(S3Location location, boolean ownEndpoint) {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            if (ownEndpoint) {
                return Region.US_EAST_1; // an emulator or S3-compatible store at the configured endpoint: any region signs
            }
            throw new StateStoreException("no AWS region for the state in " + location
                    + ": set AWS_REGION (or the system property aws.region), or a region in the AWS profile", e);
        }
    }
}
