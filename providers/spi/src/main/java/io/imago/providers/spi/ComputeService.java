package io.imago.providers.spi;

import java.util.List;

/** Instances of a command, image or machine size. */
public interface ComputeService {
    /** Starts the instance named by the request, or returns the one already running under that name. */
    Resource create(InstanceRequest request);

    /** True when the instance answers its health path with a 2xx. */
    boolean healthy(Resource instance, String healthPath);

    /** The {@code host:port} the instance serves on. */
    Endpoint endpoint(Resource instance);

    /** Stops and releases the instance; a no-op for one already gone. */
    void destroy(Resource instance);

    /** Every instance tagged with the universe, whether or not the state knows of it. */
    List<Resource> list(String universe);

    /** True while the instance's process or machine exists. */
    boolean alive(Resource instance);
}
