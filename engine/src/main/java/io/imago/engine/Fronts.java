package io.imago.engine;

import io.imago.blueprints.IngressSpec;
import io.imago.providers.spi.Endpoint;
import io.imago.providers.spi.IngressRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.Resource;
import io.imago.state.ResourceRecord;
import io.imago.state.UniverseState;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A move between providers (a blueprint on aws replacing a universe on local, say). The ingress users reach belongs
 * to its own provider and stays where it is; the new universe gets a <em>front</em>: an ingress of the new universe's
 * provider, pointed at its instances as soon as they are healthy. The switch then points the ingress users know at
 * that front, in the one atomic call of the ingress's own provider, inside the same write pause as any switch; users
 * may move their DNS to the front afterwards, with no write pause at all. A front per universe, so that the front
 * serving users is never re-pointed by the next upgrade; it goes with its universe.
 */
final class Fronts {
    static final String KIND = "front";

    private Fronts() {
    }

    /** Creates (or finds) the universe's front on its own provider and records it; pointed nowhere yet. */
    static Resource ensure(ApplyContext ctx, IngressSpec spec) {
        var known = ctx.state().resource(KIND);
        if (known.isPresent()) {
            Resource r = resource(known.get());
            ctx.provider.ingress().ensureRunning(r);
            return r;
        }
        Resource r = ctx.provider.ingress().create(new IngressRequest(spec.name() + "-" + ctx.bp.universe(), spec.type(), spec.port(),
                spec.settings()));
        // Recorded as a front, so that nothing takes it for the ingress users reach; handed to the provider as the ingress it is.
        ctx.update(s -> s.withResource(new ResourceRecord(KIND, r.id(), r.attrs())));
        return r;
    }

    /** Points the front at the universe's instances (before the switch: nobody reaches it yet). */
    static void point(ApplyContext ctx, List<Endpoint> instances) {
        ctx.state().resource(KIND).ifPresent(f -> ctx.provider.ingress().point(resource(f), ctx.bp.universe(), instances));
    }

    /** Where the universe's fronts answer, as the ingress users know forwards to them. */
    static List<Endpoint> of(Provider provider, UniverseState u) {
        List<Endpoint> out = new ArrayList<>();
        u.resources(KIND).forEach(f -> out.add(endpoint(provider.ingress().url(resource(f)))));
        return out;
    }

    /** The front as its provider knows it: an ingress. */
    static Resource resource(ResourceRecord front) {
        return new Resource("ingress", front.id(), front.attrs());
    }

    static Endpoint endpoint(String url) {
        URI u = URI.create(url);
        int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
        return new Endpoint(u.getHost(), port);
    }
}
