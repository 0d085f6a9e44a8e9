package io.imago.cli;

import io.imago.engine.Engine;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "destroy",
        description = "Tear down a universe and everything it rented: instances, database, and its ingress if it "
                + "serves it.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago destroy shop-v1                  asks for confirmation on a terminal",
            "  imago destroy shop-v2 --yes            the quickstart's clean-up"})
final class DestroyCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "UNIVERSE", description = "The universe to destroy.")
    String universe;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        UniverseArgument.check(o, universe);
        if (!Confirmation.confirm(o, "Destroy universe " + universe + " and all its data?")) {
            o.err.println("destroy cancelled; nothing was changed");
            return ExitCodes.FAILED;
        }
        List<String> kept;
        try (StateStore store = StateStores.open(imago.global.state); StateStore.Lock lock = store.lock("destroy " + universe);
                Engine engine = new Engine(store, new ConsoleReporter(o))) {
            kept = engine.destroy(universe);
            engine.retireExpired();
        }
        if (o.json()) {
            o.json(kept.isEmpty() ? Map.of("destroyed", universe) : Map.of("destroyed", universe, "kept", kept));
        } else {
            kept.forEach(k -> o.out.println(k));
            o.out.println(universe + " destroyed");
        }
        return ExitCodes.OK;
    }
}
