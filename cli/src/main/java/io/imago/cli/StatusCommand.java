package io.imago.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.engine.ByteSizes;
import io.imago.engine.Engine;
import io.imago.engine.Reporter;
import io.imago.engine.TimeSpans;
import io.imago.engine.UniverseView;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status",
        description = "Universes, their phase, resources (pids, ports, health), endpoints, replication slots and "
                + "the rollback window.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago status",
            "  imago status shop-v2 --output json",
            "  imago status --state /srv/imago/state      another state folder"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "UNIVERSE", arity = "0..1", description = "Only this universe.")
    String universe;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        if (universe != null) {
            UniverseArgument.check(o, universe);
        }
        List<UniverseView> views;
        try (StateStore store = StateStores.open(imago.global.state)) {
            try (Engine retiring = new Engine(store, new ConsoleReporter(o))) {
                retiring.retireExpiredUnlessLocked();
            }
            try (Engine engine = new Engine(store, Reporter.SILENT)) {
                views = engine.status(universe);
            }
        }
        if (o.json()) {
            o.json(Map.of("universes", views));
            return ExitCodes.OK;
        }
        if (views.isEmpty()) {
            o.out.println("no universes in " + imago.global.state + " (imago apply BLUEPRINT creates one)");
        }
        for (UniverseView v : views) {
            o.out.println(o.bold(v.name()) + "  " + phase(o, v.phase()) + "  provider " + v.provider()
                    + (v.replaces() != null ? "  replaces " + v.replaces() : ""));
            if (v.ingress() != null) {
                o.out.println("  ingress   " + v.ingress().name() + " " + v.ingress().url() + (v.ingress().live() ? " (serving)" : ""));
            }
            if (v.database() != null) {
                o.out.println("  db url    " + v.database().url() + (v.database().running() ? "" : " (stopped)"));
            }
            for (UniverseView.ResourceView r : v.resources()) {
                o.out.printf("  %-9s %-22s %-22s %-10s %s%n", r.kind(), r.id(), r.endpoint() == null ? "" : r.endpoint(),
                        r.pid() == null ? "" : "pid " + r.pid(), r.health() == null ? "" : r.health());
            }
            for (UniverseView.SlotView sl : v.slots()) {
                o.out.printf("  %-9s %-22s %s of WAL held%s%n", "slot", sl.name(), ByteSizes.human(sl.walHeldBytes()),
                        (sl.active() ? ", in use" : "") + (sl.walStatus() == null ? "" : ", " + sl.walStatus()));
            }
            v.warnings().forEach(w -> o.err.println(o.yellow("warning: ") + w));
            rollbackWindow(v, views).ifPresent(line -> o.out.println("  " + line));
            v.facts().forEach((k, val) -> {
                if (k.equals("rollbackLoses")) {
                    o.out.println("  rollback would lose the writes to: " + lossyTables(val));
                } else if (!MACHINE_FACTS.contains(k)) {
                    o.out.println("  " + k + ": " + val);
                }
            });
            timings(o, v);
            if (!v.journal().isEmpty()) {
                UniverseView.StepView last = v.journal().get(v.journal().size() - 1);
                o.out.println("  last step " + last.step() + " " + last.status().toLowerCase() + " at " + last.at()
                        + (last.detail() == null ? "" : ": " + last.detail().lines().findFirst().orElse("")));
            }
        }
        return ExitCodes.OK;
    }

    /** Facts kept for imago's own use (the rollback window's way back): in the JSON output, not in the text. */
    private static final Set<String> MACHINE_FACTS = Set.of("rollbackTransforms", "rollbackSlot", "rollbackFrom",
            "rollbackMaxWritePauseMs", "rollbackDrainTimeoutMs", "forecast");

    /** What plan forecast for each step of the last apply against what it took, when a forecast was kept. */
    private static void timings(Output o, UniverseView v) {
        if (v.timings().stream().noneMatch(t -> t.forecastSeconds() != null)) {
            return;
        }
        o.out.printf("  %-11s %9s %9s%n", "step", "forecast", "actual");
        double f = 0;
        double a = 0;
        for (UniverseView.StepTiming t : v.timings()) {
            o.out.printf("  %-11s %9s %9s%n", t.step(), seconds(t.forecastSeconds()), seconds(t.actualSeconds()));
            f += t.forecastSeconds() == null ? 0 : t.forecastSeconds();
            a += t.actualSeconds() == null ? 0 : t.actualSeconds();
        }
        o.out.printf("  %-11s %9s %9s%n", "all", seconds(f), seconds(a));
    }

    private static String seconds(Double s) {
        return s == null ? "-" : TimeSpans.human(java.time.Duration.ofMillis(Math.round(s * 1000)));
    }

    /** For a live universe whose replaced one is still kept: how long it can be rolled back, and how. */
    private static java.util.Optional<String> rollbackWindow(UniverseView v, List<UniverseView> all) {
        if (!v.phase().equals("LIVE") || v.replaces() == null) {
            return java.util.Optional.empty();
        }
        return all.stream().filter(u -> u.name().equals(v.replaces()) && u.phase().equals("RETIRING")).findFirst()
                .map(old -> "rollback  `imago rollback " + v.name() + "` goes back to " + old.name()
                        + (old.facts().get("retireAfter") != null ? " until " + old.facts().get("retireAfter") : " until it is destroyed"));
    }

    private static String lossyTables(String json) {
        try {
            return String.join(", ", new ObjectMapper().readValue(json, new TypeReference<LinkedHashMap<String, String>>() { }).keySet());
        } catch (IOException e) {
            return json;
        }
    }

    private static String phase(Output o, String phase) {
        return switch (phase) {
            case "LIVE" -> o.green(phase);
            case "FAILED", "REJECTED" -> o.red(phase);
            default -> o.yellow(phase);
        };
    }
}
