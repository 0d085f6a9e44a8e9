package io.imago.cli;

import io.imago.engine.Engine;
import io.imago.engine.Reporter;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import io.imago.blueprints.Diagnostic;
import io.imago.blueprints.SourcePos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "validate",
        description = "Check blueprints and report every problem at once, as file:line:column with a hint; changes "
                + "nothing. With a state that holds the replaced universe, its tables are checked too. Exit 2 when "
                + "any blueprint is not valid.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago validate examples/quickstart/shop-v2.yml",
            "  imago validate shop-v1.yml shop-v2.yml          several at once",
            "  imago validate --output json shop-v2.yml        diagnostics for scripts"})
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Blueprint files.")
    List<Path> files;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        List<BlueprintFiles.Loaded> loaded = withLiveChecks(BlueprintFiles.load(files));
        BlueprintFiles.report(o, loaded);
        boolean ok = loaded.stream().allMatch(l -> l.blueprint() != null);
        if (ok && !o.json()) {
            loaded.forEach(l -> o.out.println(l.file() + ": " + o.green("valid") + " (universe " + l.blueprint().universe()
                    + (l.blueprint().replaces() != null ? ", replaces " + l.blueprint().replaces() : "") + ")"));
        }
        return ok ? ExitCodes.OK : ExitCodes.BAD_INPUT;
    }

    /**
     * With a state that holds the replaced universe, its catalog is checked too (tables without a
     * key); a problem there makes the blueprint invalid like any other.
     */
    private List<BlueprintFiles.Loaded> withLiveChecks(List<BlueprintFiles.Loaded> loaded) {
        try (StateStore store = StateStores.open(imago.global.state); Engine engine = new Engine(store, Reporter.SILENT)) {
            engine.retireExpiredUnlessLocked();
            List<BlueprintFiles.Loaded> out = new ArrayList<>();
            for (BlueprintFiles.Loaded l : loaded) {
                List<String> problems = l.blueprint() == null ? List.of() : engine.checkAgainstLive(l.blueprint());
                if (problems.isEmpty()) {
                    out.add(l);
                } else {
                    List<Diagnostic> all = new ArrayList<>(l.diagnostics());
                    problems.forEach(p -> all.add(Diagnostic.error(new SourcePos(l.file().toString(), 0, 0), p)));
                    out.add(new BlueprintFiles.Loaded(l.file(), null, all));
                }
            }
            return out;
        }
    }
}
