package io.imago.blueprints;

/**
 * {@code database.external}: a PostgreSQL server Imago does not own. Every value is kept as written, a
 * template: {@code ${secret:NAME}} and {@code ${env:NAME}} are resolved by the engine each time it connects,
 * so the model and the state hold the reference, never the password it stands for.
 *
 * @param url {@code postgresql://host:port/db}, possibly with references (see {@link DatabaseUrl})
 * @param user the role Imago connects as to create the schema, the roles, its slot and publication
 * @param password always one reference ({@code ${secret:NAME}} or {@code ${env:NAME}}), never a literal
 * @param appUser an existing role the application uses, or null: Imago creates one
 * @param appPassword the application role's password, a reference; null exactly when {@code appUser} is
 */
public record ExternalDatabaseSpec(String url, String user, String password, String appUser, String appPassword, SourcePos pos) {}
