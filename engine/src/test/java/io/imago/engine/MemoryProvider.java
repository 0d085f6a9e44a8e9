package io.imago.engine;

import io.imago.providers.spi.ComputeService;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.InstanceRequest;
import io.imago.providers.spi.PriceList;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.ProviderFactory;
import io.imago.providers.spi.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider that rents nothing: instances, ingresses and their targets live in maps, so the engine's rules
 * (resume, failure policy, retirement) are tested in milliseconds. Its ingress can be made to stop answering.
 * One instance per JVM, shared with the {@link Factory} the engine finds through the service loader.
 */
final class MemoryProvider implements Provider {
    static final MemoryProvider INSTANCE = new MemoryProvider();

    final Map<String, Resource> instances = new ConcurrentHashMap<>();
    final Map<String, List<Endpoint>> targets = new ConcurrentHashMap<>();
    volatile boolean ingressDown;
    /** Runs after the ingress has been pointed, inside the same call: to fail as a call whose answer is lost would. */
    volatile Runnable afterPoint;
    private final AtomicInteger ports = new AtomicInteger(20000);

    void reset() {
        instances.clear();
        targets.clear();
        ingressDown = false;
        afterPoint = null;
    }

    /** The universes whose instances are rented now. */
    List<String> universesRenting() {
        return instances.values().stream().map(r -> r.attr("universe")).distinct().sorted().toList();
    }

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public ComputeService compute() {
        return new ComputeService() {
            public Resource create(InstanceRequest req) {
                return instances.computeIfAbsent(req.name(), n -> new Resource("instance", n,
                        Map.of("universe", req.universe(), "port", Integer.toString(ports.incrementAndGet()))));
            }

            public boolean healthy(Resource instance, String healthPath) {
                return instances.containsKey(instance.id());
            }

            public Endpoint endpoint(Resource instance) {
                return new Endpoint("127.0.0.1", Integer.parseInt(instance.attr("port")));
            }

            public void destroy(Resource instance) {
                instances.remove(instance.id());
            }

            public List<Resource> list(String universe) {
                return instances.values().stream().filter(r -> universe.equals(r.attr("universe"))).toList();
            }

            public boolean alive(Resource instance) {
                return instances.containsKey(instance.id());
            }
        };
    }

    @Override
    public DatabaseService database() {
        return new DatabaseService() {
            public Resource create(DatabaseRequest request) {
                throw new UnsupportedOperationException("the memory provider rents no databases");
            }

            public DatabaseCredentials credentials(Resource database, boolean admin) {
                throw new UnsupportedOperationException();
            }

            public void ensureRunning(Resource database) {}

            public void destroy(Resource database) {}

            public List<Resource> list(String universe) {
                return List.of();
            }

            public boolean alive(Resource database) {
                return false;
            }
        };
    }

    @Override
    public IngressService ingress() {
        return new IngressService() {
            public Resource create(IngressRequest request) {
                targets.putIfAbsent(request.name(), List.of());
                return new Resource("ingress", request.name(), Map.of());
            }

            public void point(Resource ingress, List<Endpoint> backends) {
                answer();
                targets.put(ingress.id(), new ArrayList<>(backends));
                Runnable after = afterPoint;
                if (after != null) {
                    after.run();
                }
            }

            public List<Endpoint> target(Resource ingress) {
                answer();
                return targets.getOrDefault(ingress.id(), List.of());
            }

            public String url(Resource ingress) {
                return "http://127.0.0.1:8080";
            }

            public void destroy(Resource ingress) {
                targets.remove(ingress.id());
            }

            public boolean alive(Resource ingress) {
                return targets.containsKey(ingress.id());
            }

            public void ensureRunning(Resource ingress) {}

            private void answer() {
                if (ingressDown) {
                    throw new IllegalStateException("the ingress does not answer");
                }
            }
        };
    }

    @Override
    public PriceList prices() {
        return new PriceList() {
            @Override
            public java.math.BigDecimal hourlyUsd(String kind, String size) {
                return switch (kind) {
                    case "instance" -> new java.math.BigDecimal("0.10");
                    case "ingress" -> new java.math.BigDecimal("0.02");
                    default -> null; // it rents no database: a plan that asks is wrong
                };
            }

            @Override
            public java.math.BigDecimal storageUsdPerGbMonth(String kind) {
                return java.math.BigDecimal.ZERO; // nothing is stored anywhere but in this JVM
            }

            @Override
            public Integer instanceDiskGb(String size) {
                return 0;
            }

            @Override
            public java.math.BigDecimal transferUsdPerGb(boolean outbound, String otherProvider, String otherRegion) {
                return java.math.BigDecimal.ZERO;
            }

            @Override
            public String source() {
                return "the memory provider's test prices";
            }
        };
    }

    /** Found by the engine's {@link ProviderRegistry} through META-INF/services. */
    public static final class Factory implements ProviderFactory {
        @Override
        public String type() {
            return "memory";
        }

        @Override
        public Provider create(ProviderContext context) {
            return INSTANCE;
        }
    }
}
