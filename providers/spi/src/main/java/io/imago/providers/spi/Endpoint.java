package io.imago.providers.spi;

/** A host and port something serves on. */
public record Endpoint(String host, int port) {
    public String url() {
        return "http://" + host + ":" + port;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
