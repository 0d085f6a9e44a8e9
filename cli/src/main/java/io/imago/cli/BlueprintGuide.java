package io.imago.cli;

/**
 * {@code imago help blueprint}: the format in one screen, for someone about to write a first blueprint. The contract
 * (blueprint-v1.md) has the rest; a test holds the sections to the parser's list and the example to the parser.
 */
final class BlueprintGuide {
    private BlueprintGuide() {}

    static String text() {
        return """
                Blueprints: the format in brief

                A blueprint is a YAML file that declares one universe: the whole running
                system of one version of an application. `imago apply` makes it live; with
                `replaces`, as an online upgrade of the live universe it names.

                Sections:
                  imago: 1        the format's version (required)
                  universe:       this universe's name (required)
                  replaces:       the live universe it upgrades; leave out for a new one
                  provider:       type: local (default), aws or jclouds, and its settings
                  ingress:        the stable entry point, switched at the upgrade (required)
                  compute:        instance groups: name, count, size, run, port, env, health
                                  (required)
                  database:       engine, version, size, storageGb, schema, seed, external
                  migration:      tables, snapshot, logShipping, transforms (needs replaces)
                  validate:       checks before the switch: rowCounts, checksums, http,
                                  compare, command
                  switchover:     maxWritePause, drainTimeout
                  teardown:       keepOld: the rollback window (a duration, 0 or never)
                  budget:         maxUsd: apply refuses a plan that costs more

                An example, the upgrade of shop-v1 to shop-v2:
                  imago: 1
                  universe: shop-v2
                  replaces: shop-v1
                  ingress: { name: shop, port: 8000 }
                  compute:
                    - name: web
                      count: 2
                      run: ["java", "-jar", "app.jar"]
                      env: { DB_URL: "${database.url}" }
                      health: { path: /health, timeout: 60s }
                  database: { engine: postgres, version: "16", schema: schema-v2.sql }
                  migration:
                    transforms:
                      - table: customers
                        renameColumns: { name: full_name }
                  validate:
                    - rowCounts: true
                  teardown: { keepOld: 15m }

                References, resolved to this universe's values when it starts:
                  ${database.url}  ${database.host}  ${database.port}  ${database.name}
                  ${database.user}  ${database.password}  ${ingress.url}
                  ${env:NAME}     from the environment of imago
                  ${secret:NAME}  from the provider's secret store (local: the
                                  environment variable IMAGO_SECRET_NAME)
                Secrets are refused in `run` (every local user can read a process's
                arguments): pass them through `env`. Write $${ for a literal ${.

                Durations: 500ms, 10s, 15m, 2h, 1m30s. Paths are relative to the
                blueprint's folder.

                More:
                  imago validate FILE   every problem at once, as file:line:column
                  imago schema          the JSON Schema, for completion and hover docs in
                                        an editor (the README shows how)
                  blueprint-v1.md       the whole format (the contract, in the team's docs);
                                        the README's "Blueprint reference, by example"
                """;
    }
}
