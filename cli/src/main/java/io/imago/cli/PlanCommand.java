package io.imago.cli;

import io.imago.blueprints.Blueprint;
import io.imago.engine.Engine;
import io.imago.engine.Plan;
import io.imago.engine.Reporter;
import io.imago.state.StateStore;
import io.imago.state.StateStores;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
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
            "  imago plan --output json shop-v2.yml | jq '.resources[].name'",
            "  imago plan --timeline plan.html shop-v2.yml     also draw it as a timeline",
            "  imago plan --calibrate shop-v2.yml               time a sample of the source first"})
final class PlanCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Blueprint files, planned in order.")
    List<Path> files;

    @Option(names = "--pricing", paramLabel = "catalog|live", defaultValue = "catalog", description = Pricing.DESCRIPTION)
    Pricing pricing;

    @Option(names = "--timeline", paramLabel = "FILE.html|FILE.svg", converter = Timeline.Converter.class,
            description = "Also draw the forecast as a timeline into this file: the steps as bars, both universes' lifetimes and "
                    + "the window's cost as it accrues. .html is a self-contained page (the drawing, the steps and the cost items); "
                    + ".svg the drawing alone. The plan is still printed as --output says.")
    Timeline timeline;

    @Option(names = "--calibrate",
            description = "Also read a sample (about 64 MB) of the replaced universe's tables, as its read-only role, to time how "
                    + "fast it gives up rows: the copy's forecast is then bounded by that rate (a source across a slow link shows "
                    + "here). Writes nothing; the throughputs apply measured on this provider still count.")
    boolean calibrate;

    /** Where --timeline draws, and as what: the file's extension picks the format. */
    record Timeline(Path file, boolean html) {
        static final class Converter implements CommandLine.ITypeConverter<Timeline> {
            @Override
            public Timeline convert(String value) {
                String name = value.toLowerCase(Locale.ROOT);
                boolean html = name.endsWith(".html") || name.endsWith(".htm");
                if (!html && !name.endsWith(".svg")) {
                    throw new CommandLine.TypeConversionException("'" + value + "' must end in .html (a page: the drawing and its "
                            + "tables) or .svg (the drawing alone)");
                }
                try {
                    return new Timeline(Path.of(value), html);
                } catch (InvalidPathException e) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a file name: " + e.getReason());
                }
            }
        }
    }

    @Override
    public Integer call() {
        Output o = new Output(imago.out, imago.err, imago.global);
        List<Blueprint> bps = BlueprintFiles.loadOrExit(o, files);
        List<Plan> plans = new ArrayList<>();
        try (StateStore store = StateStores.open(imago.global.state); Engine engine = new Engine(store, Reporter.SILENT).pricing(pricing.name())) {
            engine.retireExpiredUnlessLocked();
            for (Blueprint bp : bps) {
                plans.add(engine.plan(bp, calibrate));
            }
        }
        if (timeline != null) {
            draw(o, plans); // before anything is printed: a file that cannot be written is the whole answer (exit 2)
        }
        if (o.json()) {
            o.json(plans.size() == 1 ? plans.get(0) : combined(plans));
            if (timeline != null) {
                o.err.println("timeline written to " + timeline.file());
            }
        } else {
            plans.forEach(p -> PlanText.print(o, p));
            if (timeline != null) {
                o.out.println();
                o.out.println("Timeline: " + timeline.file() + (timeline.html() ? " (a page: the drawing, the steps and the cost items)"
                        : " (an SVG drawing)"));
            }
        }
        return ExitCodes.OK;
    }

    private void draw(Output o, List<Plan> plans) {
        String content = timeline.html() ? PlanHtml.page(plans) : PlanTimeline.document(plans);
        try {
            Files.writeString(timeline.file(), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            o.error("cannot write the timeline to " + timeline.file() + ": " + reason(e), "name a file in a folder you can write, "
                    + "e.g. --timeline plan.html; nothing was changed");
            throw new ExitException(ExitCodes.BAD_INPUT);
        }
    }

    /** Why a file could not be written, in words (not the exception's class). */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its folder does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
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
