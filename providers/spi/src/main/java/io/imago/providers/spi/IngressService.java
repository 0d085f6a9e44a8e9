package io.imago.providers.spi;

import java.util.List;

/** The stable entry point users reach; switched from one universe's instances to another's. */
public interface IngressService {
    /** Creates (or finds) the ingress; it points nowhere until {@link #point}. */
    Resource create(IngressRequest request);

    /** Points the ingress at exactly these backends, in one atomic step. */
    void point(Resource ingress, List<Endpoint> backends);

    /**
     * Points the ingress at the instances of {@code universe}, which serve on exactly {@code backends}, in one atomic
     * step. The engine always says which universe it switches to: an ingress that switches between groups it keeps per
     * universe (a cloud load balancer's target groups) picks the group by that name instead of searching for the one that
     * holds those backends. By default, {@link #point(Resource, List)}.
     */
    default void point(Resource ingress, String universe, List<Endpoint> backends) {
        point(ingress, backends);
    }

    /** Where the ingress points now. */
    List<Endpoint> target(Resource ingress);

    /** The URL users reach. */
    String url(Resource ingress);

    void destroy(Resource ingress);

    boolean alive(Resource ingress);

    /** Starts it again if it died (local provider); a no-op when it runs. */
    void ensureRunning(Resource ingress);

    /**
     * Called just before a switch's write pause with what the flip will point at: opens what {@link #hold} and
     * {@link #pointAndRelease} need (connections, clients, credentials) and prepares what it can of the flip, so that
     * the pause does not pay for it. Changes nothing about where requests go.
     */
    default void prepareSwitch(Resource ingress, String universe, List<Endpoint> backends) {}

    /**
     * Holds new requests (they wait, they do not fail) for at most {@code max}, while a switch
     * happens, and returns once the requests already on their way to a backend have completed (or
     * a bounded part of {@code max} has passed), so that they do not run into the write fence that
     * follows. Providers that cannot hold requests do nothing.
     */
    default void hold(Resource ingress, java.time.Duration max) {}

    /**
     * Moves the deadline of the hold in place to {@code max} from now (the switch does, just before its lasting fence,
     * so that a crash before the flip makes requests wait for the re-run rather than fail). By default, {@link #hold};
     * a provider that has a cheaper way to move a deadline than a new hold uses it.
     */
    default void extendHold(Resource ingress, java.time.Duration max) {
        hold(ingress, max);
    }

    /** Lets held requests through. */
    default void release(Resource ingress) {}

    /** {@link #point} then {@link #release}; providers that can do both in one call do. */
    default void pointAndRelease(Resource ingress, List<Endpoint> backends) {
        point(ingress, backends);
        release(ingress);
    }

    /** {@link #point(Resource, String, List)} then {@link #release}; by default, {@link #pointAndRelease(Resource, List)}. */
    default void pointAndRelease(Resource ingress, String universe, List<Endpoint> backends) {
        pointAndRelease(ingress, backends);
    }

    /**
     * Whether this ingress can shadow: copy live safe requests to another universe and compare the answers
     * ({@link #startShadow}). A cloud load balancer that cannot mirror says no, and the engine refuses the check before
     * anything is rented.
     */
    default boolean canShadow() {
        return false;
    }

    /**
     * Starts copying a sample of the live GET and HEAD requests to {@code request.candidates()} and comparing the answers
     * with the old universe's, off the users' path, for {@code request.duration()}: then it stops by itself. A second
     * call replaces the running comparison.
     */
    default void startShadow(Resource ingress, io.imago.providers.spi.shadow.ShadowRequest request) {
        throw new ProviderException("this ingress cannot copy requests to another universe (no shadow check here)");
    }

    /** What the running (or last) shadow comparison found. */
    default io.imago.providers.spi.shadow.ShadowResults shadowResults(Resource ingress) {
        throw new ProviderException("this ingress cannot copy requests to another universe (no shadow check here)");
    }

    /** Stops copying (a no-op when nothing is copied) and returns what was found. */
    default io.imago.providers.spi.shadow.ShadowResults stopShadow(Resource ingress) {
        throw new ProviderException("this ingress cannot copy requests to another universe (no shadow check here)");
    }
}
