package io.imago.cli;

import io.imago.blueprints.Blueprint;
import io.imago.engine.ApplyResult;
import io.imago.engine.Engine;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "apply",
        description = "Make the universes the blueprints declare live, in order. A blueprint that `replaces` a live "
                + "universe upgrades it online. Re-running resumes an interrupted apply.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago apply shop-v2.yml           asks for confirmation on a terminal",
            "  imago apply --yes shop-v1.yml shop-v2.yml",
            "                                    make v1 live, then upgrade it to v2",
            "  imago apply --yes --max-usd 5 shop-v2.yml",
            "                                    refuse if the upgrade window is estimated above 5 USD",
            "  imago apply --yes --output json shop-v2.yml | jq '.results[0].writePauseMs'"})
final class ApplyCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Blueprint files, applied in order.")
    List<Path> files;

    @Option(names = "--max-usd", paramLabel = "USD",
            description = "Refuse, before renting anything, a blueprint whose upgrade window is estimated to cost more (as "
                    + "`imago plan` prices it); with budget.maxUsd in the blueprint too, the lower bound holds.")
    BigDecimal maxUsd;

    @Option(names = "--pricing", paramLabel = "catalog|live", defaultValue = "catalog", description = Pricing.DESCRIPTION)
    Pricing pricing;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        if (maxUsd != null && maxUsd.signum() < 0) {
            o.error("--max-usd must not be negative: " + maxUsd.toPlainString(), "give the most the upgrade window may cost, in USD");
            throw new ExitException(ExitCodes.BAD_INPUT);
        }
        List<Blueprint> bps = BlueprintFiles.loadOrExit(o, files);
        if (!o.opts.yes && System.console() != null) {
            bps.forEach(bp -> o.err.println("  " + bp.universe() + (bp.replaces() != null ? " replaces " + bp.replaces() : " (new)")
                    + " via ingress " + bp.ingress().name()));
        }
        if (!Confirmation.confirm(o, "Apply?")) {
            o.err.println("apply cancelled; nothing was changed");
            return ExitCodes.FAILED;
        }
        List<ApplyResult> results = new ArrayList<>();
        try (StateStore store = StateStores.open(imago.global.state);
                StateStore.Lock lock = store.lock("apply " + bps.stream().map(Blueprint::universe).collect(Collectors.joining(" ")));
                Engine engine = new Engine(store, new ConsoleReporter(o)).pricing(pricing.name())) {
            engine.retireExpired();
            for (Blueprint bp : bps) {
                if (!o.json()) {
                    o.err.println(o.bold("Applying " + bp.file()) + " → universe " + bp.universe());
                }
                ApplyResult r = engine.apply(bp, maxUsd);
                results.add(r);
                if (!o.json()) {
                    summary(o, r);
                }
            }
        }
        if (o.json()) {
            o.json(Map.of("results", results));
        }
        return ExitCodes.OK;
    }

    private static void summary(Output o, ApplyResult r) {
        if (r.upToDate()) {
            o.out.println(r.universe() + " is already live; nothing to do");
            return;
        }
        String pause = r.writePauseMs() == null ? "" : " (writes were paused " + r.writePauseMs() + " ms)";
        o.out.println(o.green(r.universe() + " is live") + (r.ingressUrl() != null ? " at " + r.ingressUrl() : "") + pause);
    }
}
