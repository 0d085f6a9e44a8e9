package io.imago.engine;

/** The apply pipeline's steps, in order (architecture.md). */
public enum StepName {
    PROVISION("rent the universe: database, instances, ingress"),
    PREPARE("create the schema on the new database"),
    SEED("load the seed data"),
    SNAPSHOT("copy a consistent snapshot of the old universe's data through the transforms"),
    CATCH_UP("ship the old universe's changes through the same transforms until the lag is small"),
    VALIDATE("check the new universe before it goes live"),
    SWITCHOVER("switch the ingress to the new universe"),
    RETIRE("retire the replaced universe");

    private final String description;

    StepName(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
