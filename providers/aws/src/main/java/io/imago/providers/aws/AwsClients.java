package io.imago.providers.aws;

import io.imago.providers.spi.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.pricing.PricingClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The AWS SDK clients of one provider, each built once on first use over one shared HTTP client.
 *
 * <ul>
 *   <li>Region: {@code provider.region}, else {@code AWS_REGION} ({@code aws.region}), else the profile's; never the
 *       instance metadata service, which blueprint-v1.md does not name and which only answers on EC2.</li>
 *   <li>Credentials: the SDK's default chain, with {@code provider.profile} as the profile when given.</li>
 *   <li>Endpoints: no override is set here. The SDK (2.57) resolves {@code AWS_ENDPOINT_URL},
 *       {@code AWS_ENDPOINT_URL_<SERVICE>}, the {@code aws.endpointUrl*} system properties and the profile's
 *       {@code endpoint_url} itself ({@code AwsClientEndpointProvider}): every test reaches moto that way only, and
 *       {@code AwsUniverseTest} proves no connection went anywhere else. The tagging API, which has no client in
 *       this SDK version, reads the same variables ({@link TaggingApi}).</li>
 *   <li>Retries: the SDK's standard mode (or adaptive, when {@code AWS_RETRY_MODE} or the profile asks for it):
 *       throttling and 5xx answers are retried with jittered exponential backoff and a retry quota.</li>
 *   <li>Timeouts: {@link #API_CALL_ATTEMPT_TIMEOUT} per attempt, {@link #API_CALL_TIMEOUT} per call with its retries,
 *       and connect/socket timeouts on the HTTP client, so no call waits unbounded.</li>
 * </ul>
 */
final class AwsClients implements AutoCloseable {
    static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(2);

    private final String regionSetting;
    private final String profileSetting;
    private final SdkHttpClient http;
    private final List<SdkClient> built = new ArrayList<>();
    private Region region;
    private AwsCredentialsProvider credentials;
    private Ec2Client ec2;
    private ElasticLoadBalancingV2Client elb;
    private RdsClient rds;
    private Route53Client route53;
    private SecretsManagerClient secrets;
    private TaggingApi tagging;
    private PricingClient pricing;

    /**
     * @param region the blueprint's {@code provider.region}, or null
     * @param profile the blueprint's {@code provider.profile}, or null
     * @param http shared by every client (and every region's clients); not closed here
     */
    AwsClients(String region, String profile, SdkHttpClient http) {
        this.regionSetting = region;
        this.profileSetting = profile;
        this.http = http;
    }

    static SdkHttpClient defaultHttpClient() {
        return Apache5HttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(30))
                .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                .maxConnections(16)
                .build();
    }

    synchronized Region region() {
        if (region == null) {
            region = resolveRegion();
        }
        return region;
    }

    private Region resolveRegion() {
        if (regionSetting != null) {
            return Region.of(regionSetting);
        }
        List<Supplier<Region>> sources = List.of(
                () -> new SystemSettingsRegionProvider().getRegion(),
                () -> new AwsProfileRegionProvider(ProfileFile::defaultProfileFile, profileName()).getRegion());
        for (Supplier<Region> source : sources) {
            try {
                Region r = source.get();
                if (r != null) {
                    return r;
                }
            } catch (SdkClientException e) {
                // not set there: the next source
            }
        }
        throw new ProviderException("no AWS region: set provider.region in the blueprint, AWS_REGION, or a region in the profile "
                + profileName() + " of the shared AWS config");
    }

    /** The profile named in the blueprint, or null for the SDK's default. */
    String profile() {
        return profileSetting;
    }

    private String profileName() {
        if (profileSetting != null) {
            return profileSetting;
        }
        String env = System.getenv("AWS_PROFILE");
        return env != null && !env.isBlank() ? env : System.getProperty("aws.profile", "default");
    }

    synchronized AwsCredentialsProvider credentials() {
        if (credentials == null) {
            DefaultCredentialsProvider.Builder b = DefaultCredentialsProvider.builder();
            if (profileSetting != null) {
                b.profileName(profileSetting);
            }
            credentials = b.build();
        }
        return credentials;
    }

    private RetryMode retryMode() {
        RetryMode mode = RetryMode.resolver().profileName(profileName()).defaultRetryMode(RetryMode.STANDARD).resolve();
        return mode == RetryMode.LEGACY ? RetryMode.STANDARD : mode;
    }

    private <B extends AwsSyncClientBuilder<B, C> & AwsClientBuilder<B, C>, C extends SdkClient> C build(B builder) {
        return build(builder, region());
    }

    private <B extends AwsSyncClientBuilder<B, C> & AwsClientBuilder<B, C>, C extends SdkClient> C build(B builder, Region in) {
        ClientOverrideConfiguration.Builder o = ClientOverrideConfiguration.builder()
                .retryStrategy(retryMode())
                .apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
                .apiCallTimeout(API_CALL_TIMEOUT);
        if (profileSetting != null) {
            o.defaultProfileName(profileSetting);
        }
        C client = builder.httpClient(http).region(in).credentialsProvider(credentials())
                .overrideConfiguration(o.build()).build();
        built.add(client);
        return client;
    }

    synchronized Ec2Client ec2() {
        if (ec2 == null) {
            ec2 = build(Ec2Client.builder());
        }
        return ec2;
    }

    synchronized ElasticLoadBalancingV2Client elb() {
        if (elb == null) {
            elb = build(ElasticLoadBalancingV2Client.builder());
        }
        return elb;
    }

    synchronized RdsClient rds() {
        if (rds == null) {
            rds = build(RdsClient.builder());
        }
        return rds;
    }

    synchronized Route53Client route53() {
        if (route53 == null) {
            route53 = build(Route53Client.builder());
        }
        return route53;
    }

    synchronized SecretsManagerClient secrets() {
        if (secrets == null) {
            secrets = build(SecretsManagerClient.builder());
        }
        return secrets;
    }

    /**
     * The Price List API's client. The API answers only in us-east-1, eu-central-1 and ap-south-1: the one nearest
     * {@code near} (the region priced) is asked. Its endpoint follows the SDK's variables like every other client's
     * ({@code AWS_ENDPOINT_URL_PRICING}).
     */
    synchronized PricingClient pricing(String near) {
        if (pricing == null) {
            pricing = build(PricingClient.builder(), Region.of(priceListRegion(near)));
        }
        return pricing;
    }

    static String priceListRegion(String near) {
        if (near.startsWith("eu-") || near.startsWith("me-") || near.startsWith("af-") || near.startsWith("il-")) {
            return "eu-central-1";
        }
        return near.startsWith("ap-") ? "ap-south-1" : "us-east-1";
    }

    synchronized TaggingApi tagging() {
        if (tagging == null) {
            tagging = new TaggingApi(http, region(), credentials());
        }
        return tagging;
    }

    @Override
    public synchronized void close() {
        built.forEach(SdkClient::close);
        built.clear();
    }
}
