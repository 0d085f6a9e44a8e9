package io.imago.providers.aws;

import java.net.InetAddress;
import java.security.Permission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Records every network connection and host-name lookup this JVM makes while installed (a SecurityManager sees each
 * one: {@code checkConnect(host, port)} for a connection, {@code checkConnect(host, -1)} for a lookup), so a test can
 * assert that nothing reached beyond 127.0.0.0/8: not a real AWS endpoint, not the metadata service, not an instance's
 * private address, not the RDS endpoint's host name. It allows everything else, and refuses nothing.
 */
@SuppressWarnings("removal")
final class LoopbackGuard extends SecurityManager {
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<String> outside = Collections.synchronizedList(new ArrayList<>());

    static LoopbackGuard install() {
        LoopbackGuard g = new LoopbackGuard();
        System.setSecurityManager(g);
        return g;
    }

    void uninstall() {
        System.setSecurityManager(null);
    }

    @Override
    public void checkPermission(Permission perm) {
    }

    @Override
    public void checkPermission(Permission perm, Object context) {
    }

    @Override
    public void checkConnect(String host, int port) {
        record(host, port);
    }

    @Override
    public void checkConnect(String host, int port, Object context) {
        record(host, port);
    }

    private void record(String host, int port) {
        String what = (port == -1 ? "lookup " : "connect ") + host + (port == -1 ? "" : ":" + port);
        seen.add(what);
        if (!loopback(host)) {
            outside.add(what);
        }
    }

    static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false; // a host name other than localhost: its lookup already leaves the machine's loopback
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    List<String> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    List<String> outside() {
        synchronized (outside) {
            return List.copyOf(outside);
        }
    }
}
