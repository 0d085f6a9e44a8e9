package io.imago.engine;

import java.util.List;

/**
 * One validation check's outcome, for {@code --output json}: its label ({@code http /health}, {@code shadow}), whether
 * it passed, its problems, and what it measured when it has more to say (the shadow check's figures), else null.
 */
public record CheckResult(String check, boolean passed, List<String> problems, Object details) {}
