package io.imago.cli;

import io.imago.engine.Engine;
import io.imago.engine.Plural;
import io.imago.engine.RollbackResult;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "rollback",
        description = "Within the keepOld window, switch the ingress back to the universe UNIVERSE replaced. The "
                + "writes made on UNIVERSE since the switch are shipped back first, through the inverse of the "
                + "migration's transforms; writes are paused only for the flip, as for an upgrade. When some table's "
                + "writes cannot go back (a skipped table, a table new in this version, a dropped NOT NULL column "
                + "without a default), rollback names them and refuses unless --accept-loss. The rolled-back "
                + "universe is kept, fenced, for inspection: `imago destroy` removes it.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago rollback shop-v2 --yes",
            "  imago rollback shop-v1 --yes         the same: the universe to go back to",
            "  imago rollback shop-v2 --yes --accept-loss",
            "                                       the tables it names lose their writes"})
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "UNIVERSE", description = "The live universe to roll back (or the replaced one to go back to).")
    String universe;

    @Option(names = "--accept-loss", description = "Roll back even though the writes on UNIVERSE to the tables named cannot be shipped back.")
    boolean acceptLoss;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        UniverseArgument.check(o, universe);
        if (!Confirmation.confirm(o, "Switch the ingress of " + universe + " back to the universe it replaced?")) {
            o.err.println("rollback cancelled; nothing was changed");
            return ExitCodes.FAILED;
        }
        RollbackResult r;
        try (StateStore store = StateStores.open(imago.global.state); StateStore.Lock lock = store.lock("rollback " + universe);
                Engine engine = new Engine(store, new ConsoleReporter(o))) {
            engine.retireExpired();
            r = engine.rollback(universe, acceptLoss);
        }
        if (o.json()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("rolledBack", r.from());
            out.put("live", r.to());
            out.put("url", r.url());
            out.put("changesShippedBack", r.changesShippedBack());
            out.put("writePauseMs", r.pauseMs());
            out.put("lostWrites", r.lost());
            out.put("upToDate", r.upToDate());
            o.json(out);
        } else if (r.upToDate()) {
            o.out.println(r.from() + " was already rolled back: " + r.to() + " is live" + (r.url() != null ? " at " + r.url() : "")
                    + "; nothing to do");
        } else {
            r.lost().forEach((t, why) -> o.err.println(o.yellow("warning: ") + "writes to " + t + " on " + r.from() + " were not shipped back: " + why));
            String pause = r.pauseMs() == null ? "" : ", writes were paused " + r.pauseMs() + " ms";
            o.out.println(o.green(r.to() + " is live again") + (r.url() != null ? " at " + r.url() : "") + " ("
                    + Plural.count(r.changesShippedBack(), "change") + " made on " + r.from() + " shipped back" + pause + ")");
            o.out.println(r.from() + " is kept, fenced, for inspection: `imago destroy " + r.from() + "` removes it");
        }
        return ExitCodes.OK;
    }
}
