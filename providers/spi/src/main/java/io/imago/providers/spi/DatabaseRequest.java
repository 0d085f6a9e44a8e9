package io.imago.providers.spi;

/** A PostgreSQL server to rent. */
public record DatabaseRequest(String universe, String version, String size, String instanceClass, int storageGb) {
    public String name() {
        return universe + "-db";
    }
}
