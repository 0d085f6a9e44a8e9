package io.imago.migration;

import java.util.List;

/** The migration cannot start; carries every problem found, each a sentence for a human. */
public class MigrationPlanException extends RuntimeException {
    private final List<String> problems;

    public MigrationPlanException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0) : problems.size() + " problems: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
