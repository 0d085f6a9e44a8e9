package io.imago.providers.spi;

/** An ingress to create: {@code type} is loadBalancer or dns. */
public record IngressRequest(String name, String type, Integer port) {}
