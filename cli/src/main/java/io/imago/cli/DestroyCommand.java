package io.imago.cli;

import io.imago.engine.Engine;
import io.imago.state.LocalStateStore;
import io.imago.state.StateStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "destroy", description = "Tear down a universe and everything it rented: instances, database, and its ingress if it serves it.",
        footerHeading = "%nExample:%n", footer = "  imago destroy shop-v1 --yes")
final class DestroyCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "UNIVERSE", description = "The universe to destroy.")
    String universe;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        StateStore store = new LocalStateStore(imago.global.state);
        if (!imago.global.yes && System.console() != null) {
            o.err.print("Destroy universe " + universe + " and all its data? Only 'yes' confirms: ");
            o.err.flush();
            try {
                String line = new BufferedReader(new InputStreamReader(System.in)).readLine();
                if (line == null || !line.trim().equals("yes")) {
                    o.err.println("destroy cancelled; nothing was changed");
                    return ExitCodes.FAILED;
                }
            } catch (IOException e) {
                return ExitCodes.FAILED;
            }
        }
        try (StateStore.Lock lock = store.lock("destroy " + universe)) {
            Engine engine = new Engine(store, new ConsoleReporter(o));
            engine.destroy(universe);
            engine.retireExpired();
        }
        if (o.json()) {
            o.json(Map.of("destroyed", universe));
        } else {
            o.out.println(universe + " destroyed");
        }
        return ExitCodes.OK;
    }
}
