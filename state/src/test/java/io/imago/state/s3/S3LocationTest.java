package io.imago.state.s3;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class S3LocationTest {
    @Test
    void parsesBucketAndPrefix() {
        assertEquals(new S3Location("imago-state", "teams/shop"), S3Location.parse("s3://imago-state/teams/shop"));
        assertEquals(new S3Location("imago-state", "teams/shop"), S3Location.parse("s3://imago-state/teams/shop/"));
        assertEquals(new S3Location("imago-state", ""), S3Location.parse("s3://imago-state"));
        assertEquals(new S3Location("imago-state", ""), S3Location.parse("S3://imago-state/"));
        S3Location l = S3Location.parse("s3://b.example.org/prod");
        assertEquals("prod/universes/shop-v1.json", l.key("universes/shop-v1.json"));
        assertEquals("s3://b.example.org/prod/lock", l.url("lock"));
        assertEquals("s3://b.example.org/prod", l.toString());
        assertEquals("s3://imago-state", S3Location.parse("s3://imago-state").toString());
        assertEquals("lock", S3Location.parse("s3://imago-state").key("lock"));
        assertEquals(Path.of("/h/.imago/s3/b.example.org/prod"), l.under(Path.of("/h/.imago/s3")));
    }

    @Test
    void refusesWhatIsNotABucketAndASafePrefix() {
        assertMessage("no bucket in 's3://': use s3://BUCKET/PREFIX", "s3://");
        assertMessage("no bucket in 's3:///prefix': use s3://BUCKET/PREFIX", "s3:///prefix");
        assertMessage("in 's3://My_Bucket/p': 'My_Bucket' is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')",
                "s3://My_Bucket/p");
        for (String bad : new String[] {"s3://b1/../x", "s3://b1/a//b", "s3://b1/./x", "s3://b1/a b", "s3://b1/a?x=1", "s3://b1/x\ny",
                "s3://ab", "s3://-ab/x"}) {
            assertThrows(IllegalArgumentException.class, () -> S3Location.parse(bad), bad);
        }
    }

    @Test
    void theEndpointIsTheOneTheStandardSettingsNameInTheSdksOrder() {
        Map<String, String> props = Map.of("aws.endpointUrl", "http://127.0.0.1:1");
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2", "AWS_ENDPOINT_URL", "http://127.0.0.1:3");
        assertEquals(Optional.of(URI.create("http://127.0.0.1:2")), S3Endpoint.configured(props::get, env::get), "service-specific first");
        assertEquals(Optional.of(URI.create("http://127.0.0.1:1")), S3Endpoint.configured(props::get, Map.of("AWS_ENDPOINT_URL", "x")::get));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:3")), S3Endpoint.configured(k -> null, Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:3")::get));
        assertEquals(Optional.empty(), S3Endpoint.configured(k -> null, k -> null));
        assertEquals(Optional.empty(), S3Endpoint.configured(props::get, Map.of("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")::get));
        assertThrows(IllegalArgumentException.class, () -> S3Endpoint.configured(Map.of("aws.endpointUrl", "localhost")::get, k -> null));
    }

    private static void assertMessage(String expected, String spec) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> S3Location.parse(spec)).getMessage());
    }
}
