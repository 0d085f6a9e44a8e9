package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imago.providers.spi.PricesUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.pricing.PricingClient;

/**
 * {@code --pricing live} against a loopback server that answers {@code GetProducts} as the AWS Price List API does (JSON
 * 1.1, {@code X-Amz-Target: AWSPriceListService.GetProducts}), from the constructed entries in
 * {@code src/test/resources/pricing} (see the README there), its first answer a throttling error. No network, dummy
 * credentials.
 */
class AwsLivePricesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;
    private HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttleNext = new AtomicInteger(1);
    private volatile boolean deny;
    private SdkHttpClient http;
    private PricingClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        http = AwsClients.defaultHttpClient();
        client = PricingClient.builder().httpClient(http).region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
    }

    @AfterEach
    void stop() {
        client.close();
        http.close();
        server.stop(0);
    }

    private void answer(HttpExchange x) throws IOException {
        JsonNode req = JSON.readTree(x.getRequestBody().readAllBytes());
        String target = x.getRequestHeaders().getFirst("X-Amz-Target");
        if (!"AWSPriceListService.GetProducts".equals(target)) {
            send(x, 400, "{\"__type\":\"UnknownOperationException\",\"message\":\"" + target + "\"}");
            return;
        }
        requests.add(req);
        if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(x, 400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}");
            return;
        }
        if (deny) {
            send(x, 400, "{\"__type\":\"AccessDeniedException\",\"Message\":\"User is not authorized to perform: pricing:GetProducts\"}");
            return;
        }
        Map<String, String> f = new HashMap<>();
        req.get("Filters").forEach(e -> f.put(e.get("Field").asText(), e.get("Value").asText()));
        List<String> files = new ArrayList<>();
        if ("US East (N. Virginia)".equals(f.get("location"))) {
            switch (req.get("ServiceCode").asText()) {
                case "AmazonEC2" -> files.add("t3.small".equals(f.get("instanceType")) && "Linux".equals(f.get("operatingSystem"))
                        && "Shared".equals(f.get("tenancy")) && "NA".equals(f.get("preInstalledSw")) && "Used".equals(f.get("capacitystatus"))
                        ? "ec2-t3.small.json" : "gp3".equals(f.get("volumeApiName")) ? "ebs-gp3.json" : null);
                case "AmazonRDS" -> files.add("db.t3.small".equals(f.get("instanceType")) && "PostgreSQL".equals(f.get("databaseEngine"))
                        && "Single-AZ".equals(f.get("deploymentOption")) ? "rds-db.t3.small.json"
                        : "Database Storage".equals(f.get("productFamily")) ? "rds-gp3-storage.json" : null);
                case "AWSELB" -> files.addAll(List.of("elb-alb-hour.json", "elb-alb-lcu.json"));
                default -> { }
            }
        }
        ObjectNode body = JSON.createObjectNode().put("FormatVersion", "aws_v1");
        ArrayNode list = body.putArray("PriceList");
        for (String file : files) {
            if (file != null) {
                try (InputStream in = getClass().getResourceAsStream("/pricing/" + file)) {
                    list.add(JSON.writeValueAsString(JSON.readTree(in))); // each entry is a JSON string, as on the wire
                }
            }
        }
        send(x, 200, JSON.writeValueAsString(body));
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        x.getResponseHeaders().set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    private AwsPriceList live(Clock clock) {
        return new AwsPriceList(() -> new AwsLivePrices("us-east-1", AwsPriceCatalog.load("us-east-1"), client, new AwsCalls(TestAws.FAST),
                new PriceCache(dir.resolve("pricing"), "us-east-1", clock)));
    }

    @Test
    void pricesAreFetchedThroughAThrottleAndKeptForADay() throws IOException {
        Clock now = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
        AwsPriceList prices = live(now);
        assertEquals(new BigDecimal("0.0208"), prices.hourlyUsd("instance", "small"), "the OnDemand term, not the Reserved one");
        assertEquals(new BigDecimal("0.036"), prices.hourlyUsd("database", "small"));
        assertEquals(new BigDecimal("0.115"), prices.storageUsdPerGbMonth("database"));
        assertEquals(new BigDecimal("0.08"), prices.storageUsdPerGbMonth("volume"));
        assertEquals(new BigDecimal("0.0305"), prices.hourlyUsd("ingress", "loadBalancer"), "ALB hour 0.0225 + LCU-hour 0.008");
        assertEquals(new BigDecimal("0.09"), prices.transferUsdPerGb(true, "local", null), "not asked: from the catalog");
        assertEquals(6, requests.size(), "the throttled one again, then EC2, RDS, RDS storage, EBS, ELB once each");
        assertEquals(requests.get(0), requests.get(1), "the throttled request was retried as it was");
        JsonNode ec2 = requests.get(1);
        assertEquals("AmazonEC2", ec2.get("ServiceCode").asText());
        assertEquals("aws_v1", ec2.get("FormatVersion").asText());
        assertTrue(ec2.get("Filters").toString().contains("{\"Type\":\"TERM_MATCH\",\"Field\":\"location\",\"Value\":\"US East (N. Virginia)\"}"),
                ec2.toString());
        Path cache = dir.resolve("pricing").resolve("aws-us-east-1-2026-03-01.json");
        assertTrue(Files.exists(cache), "kept under the state folder");
        assertTrue(prices.source().startsWith("AWS Price List API (GetProducts, on-demand), us-east-1, fetched 2026-03-01T10:00:00Z"),
                prices.source());
        try (var leftovers = Files.list(dir.resolve("pricing"))) {
            assertEquals(List.of(cache), leftovers.toList(), "no temporary file left behind");
        }

        AwsPriceList again = live(Clock.offset(now, Duration.ofHours(23)));
        assertEquals(new BigDecimal("0.0208"), again.hourlyUsd("instance", "small"));
        assertEquals(new BigDecimal("0.036"), again.hourlyUsd("database", "small"));
        assertEquals(new BigDecimal("0.0305"), again.hourlyUsd("ingress", "loadBalancer"));
        assertEquals(6, requests.size(), "within 24 h the cache answers: no request");

        AwsPriceList nextDay = live(Clock.offset(now, Duration.ofHours(25)));
        assertEquals(new BigDecimal("0.0208"), nextDay.hourlyUsd("instance", "small"));
        assertEquals(7, requests.size(), "after 24 h it asks again");
        assertTrue(Files.exists(dir.resolve("pricing").resolve("aws-us-east-1-2026-03-02.json")));
    }

    @Test
    void aTypeTheApiHasNoPriceForIsAnErrorNamingIt() {
        throttleNext.set(0);
        AwsPriceList prices = live(Clock.systemUTC());
        var e = assertThrows(io.imago.providers.spi.ProviderException.class, () -> prices.hourlyUsd("instance", "m7i.48xlarge"));
        assertTrue(e.getMessage().contains("have no EC2 instance type m7i.48xlarge"), e.getMessage());
    }

    @Test
    void whenTheApiRefusesThePlanFailsSuggestingTheCatalog() {
        throttleNext.set(0);
        deny = true;
        AwsPriceList prices = live(Clock.systemUTC());
        PricesUnavailableException e = assertThrows(PricesUnavailableException.class, () -> prices.hourlyUsd("instance", "small"));
        assertTrue(e.getMessage().contains("User is not authorized to perform: pricing:GetProducts"), e.getMessage());
        assertTrue(e.getMessage().endsWith("plan with --pricing catalog to use the bundled prices instead"), e.getMessage());
        assertEquals(1, requests.size(), "a refusal is not retried");
    }
}
