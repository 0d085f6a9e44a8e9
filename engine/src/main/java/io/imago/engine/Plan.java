package io.imago.engine;

import java.math.BigDecimal;
import java.util.List;

/**
 * What {@code apply} would do for one blueprint: its steps, every resource it would rent, and
 * what that costs. Rendered by {@code imago plan} as text or JSON.
 */
public record Plan(String universe, String replaces, String provider, List<PlannedStep> steps, List<PlannedResource> resources,
        Cost cost, List<String> notes, Rollback rollback) {

    public record PlannedStep(String name, String description) {}

    /** @param action create, use (an external database: not rented), keep (already there), or retire */
    public record PlannedResource(String action, String kind, String name, String size, String detail) {}

    /**
     * @param total the estimated extra cost of the upgrade: the new universe for the apply, plus
     *     both universes side by side for the rollback window
     * @param monthly what the new universe costs per month once live
     */
    public record Cost(String currency, BigDecimal total, BigDecimal monthly, List<CostItem> items, String source, String basis) {}

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

    public record CostItem(String resource, String kind, String size, BigDecimal hourly, BigDecimal hours, BigDecimal usd) {}
}
