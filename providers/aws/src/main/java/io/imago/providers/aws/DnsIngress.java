package io.imago.providers.aws;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * {@code type: dns}: a Route 53 A record ({@code record}, in the zone {@code hostedZone} given by name or id) holding
 * the private IPs of the live universe's instances. The switch is one ChangeResourceRecordSets batch (an UPSERT, applied
 * atomically by Route 53), then a bounded wait for the change to be {@code INSYNC} on Route 53's servers. Resolvers that
 * cached the old answer keep it for up to the record's TTL ({@code ttl}, default 60 s): the switch is atomic at Route 53,
 * not at every client. A record has no port, so the instances must listen on the ingress's {@code port} (default 80);
 * the URL is {@code http://<record>:<port>}. The record is created by the first switch and deleted with the ingress.
 */
final class DnsIngress implements IngressService {
    static final String TYPE = "dns";
    static final String SERVICE = "Route 53";
    static final int DEFAULT_TTL = 60;
    static final Duration INSYNC_TIMEOUT = Duration.ofMinutes(5);
    /** Route 53 zone ids are upper-case letters and digits (Z0123...); zone names are written in lower case, with a dot. */
    private static final Pattern ZONE_ID = Pattern.compile("(/hostedzone/)?[A-Z0-9]{6,32}");

    private final ClientPool pool;
    private final AwsCalls calls;
    private final Consumer<String> log;

    DnsIngress(ClientPool pool, AwsCalls calls, Consumer<String> log) {
        this.pool = pool;
        this.calls = calls;
        this.log = log;
    }

    @Override
    public Resource create(IngressRequest req) {
        String zoneSetting = req.settings().get("hostedZone");
        String recordSetting = req.settings().get("record");
        if (zoneSetting == null || recordSetting == null) {
            throw new ProviderException("a dns ingress needs hostedZone and record (ingress " + req.name() + ")");
        }
        AwsClients c = pool.get();
        HostedZone zone = zone(c.route53(), zoneSetting);
        String zoneName = stripDot(zone.name());
        String record = stripDot(recordSetting);
        if (!record.equals(zoneName) && !record.endsWith("." + zoneName)) {
            record = record + "." + zoneName;
        }
        Map<String, String> a = new TreeMap<>(ClientPool.placement(c));
        a.put("type", TYPE);
        a.put("name", req.name());
        a.put("hostedZoneId", zone.id().replace("/hostedzone/", ""));
        a.put("zone", zoneName);
        a.put("record", record);
        a.put("ttl", req.settings().getOrDefault("ttl", Integer.toString(DEFAULT_TTL)));
        a.put("port", Integer.toString(req.port() != null ? req.port() : 80));
        return new Resource(AwsIngresses.KIND, req.name(), a);
    }

    private HostedZone zone(Route53Client r53, String zone) {
        if (ZONE_ID.matcher(zone).matches()) {
            return calls.call(SERVICE, "GetHostedZone " + zone, () -> r53.getHostedZone(r -> r.id(zone)).hostedZone());
        }
        String wanted = stripDot(zone);
        List<HostedZone> found = calls.call(SERVICE, "ListHostedZonesByName " + wanted,
                () -> r53.listHostedZonesByName(r -> r.dnsName(wanted).maxItems("10")).hostedZones());
        List<HostedZone> exact = found.stream().filter(z -> stripDot(z.name()).equalsIgnoreCase(wanted)).toList();
        if (exact.isEmpty()) {
            throw new ProviderException("no Route 53 hosted zone named " + wanted + " in this account");
        }
        if (exact.size() > 1) {
            throw new ProviderException(exact.size() + " Route 53 hosted zones are named " + wanted + " (public and private?): "
                    + "give hostedZone by id (" + String.join(", ", exact.stream().map(HostedZone::id).toList()) + ")");
        }
        return exact.get(0);
    }

    static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    @Override
    public void point(Resource ingress, List<Endpoint> backends) {
        int port = Integer.parseInt(ingress.attr("port"));
        for (Endpoint e : backends) {
            if (e.port() != port) {
                throw new ProviderException("dns ingress " + ingress.id() + " serves port " + port + " but instance " + e
                        + " listens on " + e.port() + ": a DNS record has no port, so set ingress.port to the instances' port");
            }
        }
        if (backends.isEmpty()) {
            throw new ProviderException("dns ingress " + ingress.id() + ": an A record needs at least one address");
        }
        Route53Client r53 = pool.of(ingress).route53();
        long ttl = Long.parseLong(ingress.attr("ttl"));
        ResourceRecordSet set = ResourceRecordSet.builder().name(ingress.attr("record")).type(RRType.A).ttl(ttl)
                .resourceRecords(backends.stream().map(e -> ResourceRecord.builder().value(e.host()).build()).toList()).build();
        String changeId = calls.call(SERVICE, "ChangeResourceRecordSets UPSERT " + ingress.attr("record"), () -> r53.changeResourceRecordSets(r -> r
                .hostedZoneId(ingress.attr("hostedZoneId"))
                .changeBatch(b -> b.comment("imago: ingress " + ingress.id())
                        .changes(Change.builder().action(ChangeAction.UPSERT).resourceRecordSet(set).build()))).changeInfo().id());
        long t0 = System.nanoTime();
        awaitInSync(r53, changeId, ingress.attr("record"));
        log.accept("record " + ingress.attr("record") + " → " + String.join(", ", backends.stream().map(Endpoint::host).toList())
                + " (in sync at Route 53 after " + (System.nanoTime() - t0) / 1_000_000 + " ms; resolvers may answer the previous"
                + " addresses for up to its TTL, " + ttl + " s)");
    }

    /** Route 53 applies a change batch atomically; INSYNC says every one of its servers answers with it. */
    private void awaitInSync(Route53Client r53, String changeId, String record) {
        calls.await(SERVICE, "the change of " + record + " to be INSYNC", INSYNC_TIMEOUT, () -> {
            ChangeStatus s = r53.getChange(r -> r.id(changeId)).changeInfo().status();
            return s == ChangeStatus.INSYNC ? AwsCalls.Seen.done(s) : AwsCalls.Seen.notYet(String.valueOf(s));
        });
    }

    @Override
    public List<Endpoint> target(Resource ingress) {
        int port = Integer.parseInt(ingress.attr("port"));
        return current(pool.of(ingress).route53(), ingress)
                .map(s -> s.resourceRecords().stream().map(r -> new Endpoint(r.value(), port)).toList())
                .orElse(List.of());
    }

    private Optional<ResourceRecordSet> current(Route53Client r53, Resource ingress) {
        String record = ingress.attr("record");
        return calls.call(SERVICE, "ListResourceRecordSets " + record, () -> r53.listResourceRecordSets(r -> r
                        .hostedZoneId(ingress.attr("hostedZoneId")).startRecordName(record).startRecordType(RRType.A).maxItems("1"))
                .resourceRecordSets().stream()
                .filter(s -> stripDot(s.name()).equalsIgnoreCase(record) && s.type() == RRType.A)
                .findFirst());
    }

    @Override
    public String url(Resource ingress) {
        return "http://" + ingress.attr("record") + ":" + ingress.attr("port");
    }

    /** Deletes the record (Route 53 needs its exact current value to); the zone is the user's and stays. */
    @Override
    public void destroy(Resource ingress) {
        Route53Client r53 = pool.of(ingress).route53();
        Optional<ResourceRecordSet> set = current(r53, ingress);
        if (set.isEmpty()) {
            return;
        }
        calls.run(SERVICE, "ChangeResourceRecordSets DELETE " + ingress.attr("record"), () -> {
            try {
                r53.changeResourceRecordSets(r -> r.hostedZoneId(ingress.attr("hostedZoneId"))
                        .changeBatch(b -> b.changes(Change.builder().action(ChangeAction.DELETE).resourceRecordSet(set.get()).build())));
            } catch (RuntimeException e) {
                // Gone since it was read: what destroy wanted.
                if (!AwsCalls.is(e, "InvalidChangeBatch")) {
                    throw e;
                }
            }
        });
    }

    /** The zone exists (the record itself exists only once a universe is live). */
    @Override
    public boolean alive(Resource ingress) {
        Route53Client r53 = pool.of(ingress).route53();
        return calls.call(SERVICE, "GetHostedZone " + ingress.attr("hostedZoneId"), () -> {
            try {
                r53.getHostedZone(r -> r.id(ingress.attr("hostedZoneId")));
                return true;
            } catch (RuntimeException e) {
                if (AwsCalls.is(e, "NoSuchHostedZone")) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public void ensureRunning(Resource ingress) {
    }
}
