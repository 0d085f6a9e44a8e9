package io.imago.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * The one call of the Resource Groups Tagging API Imago makes, {@code GetResources} with a tag filter, by hand: the
 * SDK's {@code resourcegroupstaggingapi} module is not published for the SDK version the build uses (2.57.8; its last
 * release is 2.41.18, and mixing versions is unsupported). The request is a JSON 1.1 POST signed with the SDK's own
 * SigV4 signer and sent through the provider's shared HTTP client; errors come back as {@link AwsServiceException}s, so
 * {@link AwsCalls} retries throttling and 5xx answers as it does for the SDK's clients.
 *
 * <p>Endpoint, as the SDK resolves it for its clients: {@code aws.endpointUrlResourceGroupsTaggingApi},
 * {@code AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API}, {@code aws.endpointUrl}, {@code AWS_ENDPOINT_URL} (unless
 * {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} is true), else {@code https://tagging.<region>.<partition's domain>}. A
 * profile's {@code endpoint_url} is not read here.
 */
final class TaggingApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "ResourceGroupsTaggingAPI_20170126.GetResources";

    private final SdkHttpClient http;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final URI endpoint;

    TaggingApi(SdkHttpClient http, Region region, AwsCredentialsProvider credentials) {
        this.http = http;
        this.region = region;
        this.credentials = credentials;
        this.endpoint = endpoint(region);
    }

    static URI endpoint(Region region) {
        if (!Boolean.parseBoolean(setting("aws.ignoreConfiguredEndpointUrls", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
            String configured = setting("aws.endpointUrlResourceGroupsTaggingApi", "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API");
            if (configured == null) {
                configured = setting("aws.endpointUrl", "AWS_ENDPOINT_URL");
            }
            if (configured != null) {
                return URI.create(configured);
            }
        }
        return URI.create("https://tagging." + region.id() + "." + PartitionMetadata.of(region).dnsSuffix());
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    URI endpoint() {
        return endpoint;
    }

    /** The ARN and tags of every resource carrying {@code key=value}, all pages. */
    Map<String, Map<String, String>> resourcesTagged(String key, String value) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        String token = null;
        do {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode filter = body.putArray("TagFilters").addObject();
            filter.put("Key", key);
            filter.putArray("Values").add(value);
            body.put("ResourcesPerPage", 100);
            if (token != null) {
                body.put("PaginationToken", token);
            }
            JsonNode page = post(body);
            for (JsonNode mapping : page.path("ResourceTagMappingList")) {
                Map<String, String> tags = new TreeMap<>();
                for (JsonNode t : mapping.path("Tags")) {
                    tags.put(t.path("Key").asText(), t.path("Value").asText());
                }
                out.put(mapping.path("ResourceARN").asText(), tags);
            }
            token = page.path("PaginationToken").asText("");
        } while (!token.isEmpty());
        return out;
    }

    private JsonNode post(ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint.resolve("/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", TARGET)
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "tagging")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id()));
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            byte[] answer;
            try (InputStream in = response.responseBody().map(s -> (InputStream) s).orElse(InputStream.nullInputStream())) {
                answer = in.readAllBytes();
            }
            int status = response.httpResponse().statusCode();
            if (status / 100 != 2) {
                throw error(status, response.httpResponse().firstMatchingHeader("x-amzn-RequestId").orElse(null), answer);
            }
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw software.amazon.awssdk.core.exception.SdkClientException.create(
                    "the tagging API at " + endpoint + " did not answer: " + e.getMessage(), e);
        }
    }

    /** As the SDK reports a JSON 1.1 error: the code from {@code __type} (after any '#'), the message, the status. */
    private static AwsServiceException error(int status, String requestId, byte[] answer) {
        String code = "HttpStatus" + status;
        String message = new String(answer, StandardCharsets.UTF_8);
        try {
            JsonNode e = JSON.readTree(answer);
            if (e != null && e.has("__type")) {
                String type = e.path("__type").asText();
                code = type.substring(type.lastIndexOf('#') + 1);
                message = e.has("Message") ? e.path("Message").asText() : e.path("message").asText();
            }
        } catch (IOException notJson) {
            // keep the raw body as the message
        }
        return AwsServiceException.builder()
                .statusCode(status)
                .requestId(requestId)
                .message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message)
                        .serviceName("ResourceGroupsTaggingAPI").build())
                .build();
    }
}
