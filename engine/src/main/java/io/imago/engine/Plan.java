package io.imago.engine;

import java.math.BigDecimal;
import java.util.List;

/**
 * What {@code apply} would do for one blueprint: its steps, every resource it would rent, what that costs and how long
 * it takes. Rendered by {@code imago plan} as text or JSON (blueprint-v1.md, "Command line": the JSON keys are these
 * components' names).
 */
public record Plan(String universe, String replaces, String provider, List<PlannedStep> steps, List<PlannedResource> resources,
        Cost cost, Forecast duration, List<String> notes, Rollback rollback) {

    public record PlannedStep(String name, String description) {}

    /** @param action create, use (an external database: not rented), keep (already there), or retire */
    public record PlannedResource(String action, String kind, String name, String size, String detail) {}

    /**
     * The cost of the upgrade's window: the new universe from PROVISION until the switch (the forecast duration), and
     * the replaced one from the switch until its {@code keepOld} ends, each resource with its storage (a database's
     * allocated storage, an instance's disk) over the same hours; and the data moved between the two universes (the
     * bulk load and the log shipped until the switch). The old universe's hours before the switch and the new one's
     * after it are not counted: they are the system's running cost either way, shown as {@code hourlyBefore} and
     * {@code hourlyAfter}.
     *
     * @param total the window's items added up, rounded up to the cent (a budget is never passed by rounding)
     * @param monthly what the system costs per month once the new universe is live ({@code hourlyAfter} × 730)
     * @param hourlyBefore what the system costs per hour now: the replaced universe, its storage and the ingress (0 for a
     *     new system)
     * @param hourlyAfter what it costs per hour once the new universe is live: the new universe, its storage and the ingress
     * @param source where the prices come from, per provider
     * @param basis the hours counted, in words
     * @param snapshots the snapshots or backups the providers take, and what of them is counted ("none" when none)
     */
    public record Cost(String currency, BigDecimal total, BigDecimal monthly, List<CostItem> items, String source, String basis,
            BigDecimal hourlyBefore, BigDecimal hourlyAfter, String snapshots) {}

    /**
     * One priced line of the window.
     *
     * @param resource the resource's name; a compute group's instances are one line ({@code shop-v2-web}, count 2); a
     *     storage line is named after what it belongs to ({@code shop-v2-db}); the transfer line after both universes
     * @param kind {@code database}, {@code instance}, {@code ingress} (priced by the hour); {@code storage} (a
     *     database's allocated storage or an instance's disk, priced per GB-month over the same hours); {@code transfer}
     *     (priced per GB moved)
     * @param size the provider's size or type, as the blueprint or the state names it (an ingress: its type; storage:
     *     {@code database} or {@code volume}; null for transfer)
     * @param hourly USD per hour for one of them (storage: its GB × the GB-month price / 730); null for transfer
     * @param hours how long the window keeps them (see {@link Cost}); null for transfer
     * @param usd hourly × count × hours (transfer: quantity × unitPrice), to 4 decimals
     * @param universe the universe it belongs to (or the ingress's name)
     * @param during "until the switch" or "from the switch until keepOld ends", the hours' span in words
     * @param unit what {@code unitPrice} is per: {@code hour}, {@code GB-month} or {@code GB}
     * @param unitPrice USD per unit, as the price list has it
     * @param quantity GB of one of them (storage) or moved (transfer); null for what is priced by the hour
     * @param detail what the line assumed, or what the resource is given (the local provider: cores, memory, disk); null
     *     when nothing
     */
    public record CostItem(String resource, String kind, String provider, String size, int count, BigDecimal hourly,
            BigDecimal hours, BigDecimal usd, String universe, String during, String unit, BigDecimal unitPrice, BigDecimal quantity,
            String detail) {}

    /**
     * How long the apply takes, step by step, and what each figure assumed.
     *
     * @param seconds forecast wall time from the start of {@code apply} to the new universe live (the switch)
     * @param untilDoneSeconds with the steps after the switch (RETIRE) too: when apply returns
     * @param source what was read of the live source to forecast the data steps; null for a universe that replaces
     *     nothing, or has no database to copy
     * @param calibration where the throughputs come from, in one line
     */
    public record Forecast(double seconds, double untilDoneSeconds, List<StepForecast> steps, SourceFacts source, String calibration) {}

    /** @param assumed what the figure rests on: the sizes read, the throughputs and where each comes from */
    public record StepForecast(String step, double seconds, String assumed) {}

    /**
     * What the forecast read of the replaced universe's database (catalog queries and two log positions, as a role
     * that can only read).
     *
     * @param read false when it could not be read (or is not live yet): the figures are then zero and {@code note} says why
     * @param tables how many tables the migration copies
     * @param rows the catalog's row estimate of those tables
     * @param writeBytesPerSecond WAL written per second over the sample
     */
    public record SourceFacts(String universe, boolean read, int tables, long rows, long heapBytes, long indexBytes,
            double writeBytesPerSecond, double sampleSeconds, String note) {}

    /**
     * What {@code imago rollback} could do after this upgrade (null for a universe that replaces none).
     *
     * @param window the rollback window (teardown.keepOld): "0", a duration, or "never"
     * @param shipsBack whether writes made on the new universe are shipped back to the old one on rollback
     * @param notInvertible the tables whose writes on the new universe a rollback would lose, and why:
     *     {@code rollback} refuses without {@code --accept-loss} when any is found
     * @param summary one line saying all of it
     */
    public record Rollback(String window, boolean shipsBack, List<NotInvertible> notInvertible, String summary) {}

    public record NotInvertible(String table, String reason) {}
}
