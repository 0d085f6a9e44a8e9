package io.imago.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "validate", description = "Check blueprints and report every problem at once; changes nothing.",
        footerHeading = "%nExample:%n", footer = "  imago validate examples/quickstart/shop-v2.yml")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Blueprint files.")
    List<Path> files;

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        var loaded = BlueprintFiles.load(files);
        BlueprintFiles.report(o, loaded);
        boolean ok = loaded.stream().allMatch(l -> l.blueprint() != null);
        if (ok && !o.json()) {
            loaded.forEach(l -> o.out.println(l.file() + ": " + o.green("valid") + " (universe " + l.blueprint().universe()
                    + (l.blueprint().replaces() != null ? ", replaces " + l.blueprint().replaces() : "") + ")"));
        }
        return ok ? ExitCodes.OK : ExitCodes.BAD_INPUT;
    }
}
