package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The tagging API's endpoint follows the same settings as the SDK's clients. */
class TaggingApiTest {
    @AfterEach
    void clear() {
        System.clearProperty("aws.endpointUrl");
        System.clearProperty("aws.endpointUrlResourceGroupsTaggingApi");
    }

    @Test
    void endpointFromTheServiceSettingThenTheGlobalOneThenTheRegion() {
        // AWS_ENDPOINT_URL is not set for the unit tests (the build passes none); the properties stand for both.
        if (System.getenv("AWS_ENDPOINT_URL") == null && System.getenv("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API") == null) {
            assertEquals(URI.create("https://tagging.eu-west-1.amazonaws.com"), TaggingApi.endpoint(Region.EU_WEST_1));
            assertEquals(URI.create("https://tagging.cn-north-1.amazonaws.com.cn"), TaggingApi.endpoint(Region.CN_NORTH_1));
        }
        System.setProperty("aws.endpointUrl", "http://127.0.0.1:5000");
        assertEquals(URI.create("http://127.0.0.1:5000"), TaggingApi.endpoint(Region.US_EAST_1));
        System.setProperty("aws.endpointUrlResourceGroupsTaggingApi", "http://127.0.0.1:5001");
        assertEquals(URI.create("http://127.0.0.1:5001"), TaggingApi.endpoint(Region.US_EAST_1));
    }
}
