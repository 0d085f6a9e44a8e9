package io.imago.providers.aws;

import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.IngressService;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import java.util.List;

/**
 * The two kinds of ingress blueprint-v1.md offers on aws, chosen by the request's type and, afterwards, by the
 * resource's {@code type} attribute. Neither can hold requests, so {@code hold} and {@code release} are the SPI's
 * no-ops: during a switch the application's writes are refused at the database fence instead (they fail, or block
 * until the fence lifts, for at most {@code switchover.maxWritePause}), where the local provider's proxy would make
 * them wait.
 */
final class AwsIngresses implements IngressService {
    static final String KIND = "ingress";
    private final LoadBalancerIngress loadBalancer;
    private final DnsIngress dns;

    AwsIngresses(LoadBalancerIngress loadBalancer, DnsIngress dns) {
        this.loadBalancer = loadBalancer;
        this.dns = dns;
    }

    private IngressService of(Resource r) {
        return DnsIngress.TYPE.equals(r.attr("type")) ? dns : loadBalancer;
    }

    @Override
    public Resource create(IngressRequest request) {
        return switch (request.type() == null ? LoadBalancerIngress.TYPE : request.type()) {
            case LoadBalancerIngress.TYPE -> loadBalancer.create(request);
            case DnsIngress.TYPE -> dns.create(request);
            default -> throw new ProviderException("ingress type '" + request.type() + "' is not one the aws provider has (loadBalancer, dns)");
        };
    }

    @Override
    public void point(Resource ingress, List<Endpoint> backends) {
        of(ingress).point(ingress, backends);
    }

    @Override
    public void point(Resource ingress, String universe, List<Endpoint> backends) {
        of(ingress).point(ingress, universe, backends);
    }

    @Override
    public void pointAndRelease(Resource ingress, List<Endpoint> backends) {
        point(ingress, backends);
    }

    @Override
    public void pointAndRelease(Resource ingress, String universe, List<Endpoint> backends) {
        point(ingress, universe, backends);
    }

    @Override
    public List<Endpoint> target(Resource ingress) {
        return of(ingress).target(ingress);
    }

    @Override
    public String url(Resource ingress) {
        return of(ingress).url(ingress);
    }

    @Override
    public void destroy(Resource ingress) {
        of(ingress).destroy(ingress);
    }

    @Override
    public boolean alive(Resource ingress) {
        return of(ingress).alive(ingress);
    }

    @Override
    public void ensureRunning(Resource ingress) {
        of(ingress).ensureRunning(ingress);
    }
}
