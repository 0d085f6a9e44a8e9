package io.imago.engine;

import io.imago.blueprints.Blueprint;
import java.math.BigDecimal;

/**
 * The bound on an upgrade window's cost: {@code budget.maxUsd}, {@code --max-usd}, or the lower of the two. Checked
 * before anything is rented.
 *
 * @param from what set it, for the refusal: "budget.maxUsd", "--max-usd"
 */
record Budget(BigDecimal maxUsd, String from) {
    /** Null when neither the blueprint nor the command line bounds the cost. */
    static Budget of(Blueprint bp, BigDecimal commandLine) {
        Budget blueprint = bp.budget() == null ? null : new Budget(bp.budget().maxUsd(), "budget.maxUsd in " + bp.file().getFileName());
        Budget option = commandLine == null ? null : new Budget(commandLine, "--max-usd");
        if (blueprint == null || option == null) {
            return blueprint != null ? blueprint : option;
        }
        return option.maxUsd.compareTo(blueprint.maxUsd) < 0 ? option : blueprint;
    }

    /** @throws EngineException (failed: exit 1) naming both figures, when the window's estimate is over the bound */
    void refuseIfExceeded(Plan plan) {
        Plan.Cost c = plan.cost();
        if (c.total().compareTo(maxUsd) > 0) {
            throw EngineException.failed("the estimate of " + plan.universe() + "'s upgrade window, " + c.total().toPlainString() + " "
                    + c.currency() + ", exceeds " + from + ", " + maxUsd.toPlainString() + " " + c.currency() + " (" + c.basis()
                    + "; see `imago plan`); nothing was rented");
        }
    }
}
