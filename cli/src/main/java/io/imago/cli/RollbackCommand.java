package io.imago.cli;

import io.imago.engine.Engine;
import io.imago.state.LocalStateStore;
import io.imago.state.StateStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "rollback", description = "Within the keepOld window, switch the ingress back to the universe UNIVERSE replaced.",
        footerHeading = "%nExample:%n", footer = "  imago rollback shop-v2 --yes")
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "UNIVERSE", description = "The live universe to roll back.")
    String universe;

    @Override
    public Integer call() {
        StateStore store = new LocalStateStore(imago.global.state);
        try (StateStore.Lock lock = store.lock("rollback " + universe)) {
            new Engine(store, new ConsoleReporter(new Output(imago.out, imago.err, imago.global))).rollback(universe);
        }
        return ExitCodes.OK;
    }
}
