package io.imago.quickstart.shop;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The quickstart shop. Environment:
 *
 * <pre>
 * PORT            the port to listen on, on 127.0.0.1 (default 8080)
 * DB_URL          postgresql://user:password@host:port/dbname
 * SCHEMA_VERSION  1 or 2: which schema (and so which behaviour) to use (default 1)
 * IMAGO_UNIVERSE  the universe's name, echoed by /health and in X-Universe (default "local")
 * SHOP_DEFECT     none (default) or customer-email-every-N: a defect seeded on purpose, for tests (see Defect)
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        // The JDK server writes headers and body separately: without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK add ~40ms to every answer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Map<String, String> env = System.getenv();
        int port;
        DbUrl url;
        Defect defect;
        String version = env.getOrDefault("SCHEMA_VERSION", "1").trim();
        String universe = env.getOrDefault("IMAGO_UNIVERSE", "local");
        try {
            port = port(env.getOrDefault("PORT", "8080"));
            url = DbUrl.parse(env.get("DB_URL"));
            defect = Defect.parse(env.get("SHOP_DEFECT"));
            if (!version.equals("1") && !version.equals("2")) {
                throw new IllegalArgumentException("SCHEMA_VERSION must be 1 or 2, got: " + version);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("shop: " + e.getMessage());
            System.exit(2);
            return;
        }
        Db db = new Db(url, "shop-v" + version + " " + universe, 8);
        Shop shop = version.equals("1") ? new ShopV1(db) : new ShopV2(db);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        server.setExecutor(threads);
        Api api = new Api(shop, universe, defect);
        server.createContext("/", api);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                // Answers in progress finish (up to 1 s); then stop(0), since the JDK's stop(delay) waits the whole
                // delay even when nothing is in flight.
                api.awaitIdle(1000);
                server.stop(0);
                threads.shutdown();
                threads.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            db.close();
        }, "shop-shutdown"));
        Api.log("v" + version + " listening on 127.0.0.1:" + port + ", universe " + universe + ", database " + url
                + (defect == Defect.NONE ? "" : ", seeded defect " + defect));
    }

    static int port(String s) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p > 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("PORT must be a port number, got: " + s);
    }
}
