package io.imago.engine;

import io.imago.providers.spi.Resource;
import io.imago.state.ResourceRecord;

/** Maps between what providers return and what the state records. */
final class Resources {
    private Resources() {}

    static ResourceRecord record(Resource r) {
        return new ResourceRecord(r.kind(), r.id(), r.attrs());
    }

    static Resource resource(ResourceRecord r) {
        return new Resource(r.kind(), r.id(), r.attrs());
    }
}
