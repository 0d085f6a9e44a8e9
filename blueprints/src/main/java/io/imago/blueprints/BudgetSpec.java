package io.imago.blueprints;

import java.math.BigDecimal;

/** {@code budget:} — apply refuses to start when the estimate exceeds {@code maxUsd}. */
public record BudgetSpec(BigDecimal maxUsd) {}
