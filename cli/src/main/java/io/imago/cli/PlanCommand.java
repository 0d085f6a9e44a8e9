package io.imago.cli;

import io.imago.blueprints.Blueprint;
import io.imago.engine.Engine;
import io.imago.engine.Plan;
import io.imago.engine.Reporter;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan",
        description = "Dry run: the steps apply would take and how long each would last, every resource it would rent, "
                + "what a rollback could bring back, and what the upgrade's window costs. Reads the replaced universe's "
                + "database (its catalog and its write rate over a second, as a role that can only read); changes nothing.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago plan examples/quickstart/shop-v2.yml",
            "  imago plan --output json shop-v2.yml | jq .cost.total",
            "  imago plan --output json shop-v2.yml | jq '.duration.steps[] | [.step, .seconds]'",
            "  imago plan --output json shop-v2.yml | jq '.resources[].name'"})
final class PlanCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Blueprint files, planned in order.")
    List<Path> files;

    @Option(names = "--pricing", paramLabel = "catalog|live", defaultValue = "catalog", description = Pricing.DESCRIPTION)
    Pricing pricing;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        List<Blueprint> bps = BlueprintFiles.loadOrExit(o, files);
        List<Plan> plans = new ArrayList<>();
        try (StateStore store = StateStores.open(imago.global.state); Engine engine = new Engine(store, Reporter.SILENT).pricing(pricing.name())) {
            engine.retireExpiredUnlessLocked();
            for (Blueprint bp : bps) {
                plans.add(engine.plan(bp));
            }
        }
        if (o.json()) {
            o.json(plans.size() == 1 ? plans.get(0) : combined(plans));
        } else {
            plans.forEach(p -> PlanText.print(o, p));
        }
        return ExitCodes.OK;
    }

    /** Several files: their steps, resources and costs together, and each plan on its own. */
    private static Map<String, Object> combined(List<Plan> plans) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", plans.stream().flatMap(p -> p.steps().stream().map(s -> Map.of("universe", p.universe(), "name", s.name(),
                "description", s.description()))).toList());
        m.put("resources", plans.stream().flatMap(p -> p.resources().stream()).toList());
        BigDecimal total = plans.stream().map(p -> p.cost().total()).reduce(BigDecimal.ZERO, BigDecimal::add);
        m.put("cost", Map.of("currency", "USD", "total", total,
                "items", plans.stream().flatMap(p -> p.cost().items().stream()).toList()));
        // One apply of the files runs them in order: its duration is theirs added up.
        Map<String, Object> duration = new LinkedHashMap<>();
        duration.put("seconds", Math.round(plans.stream().mapToDouble(p -> p.duration().untilDoneSeconds()).sum() * 10) / 10.0);
        duration.put("steps", plans.stream().flatMap(p -> p.duration().steps().stream().map(s -> {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("universe", p.universe());
            step.put("step", s.step());
            step.put("seconds", s.seconds());
            step.put("assumed", s.assumed());
            return step;
        })).toList());
        m.put("duration", duration);
        m.put("plans", plans);
        return m;
    }
}
