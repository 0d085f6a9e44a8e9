package io.imago.cli;

import io.imago.blueprints.Blueprint;
import io.imago.blueprints.BlueprintLoader;
import io.imago.blueprints.Diagnostic;
import io.imago.engine.Plural;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loads the blueprints a command names, reporting every problem in all of them before giving up (exit 2). */
final class BlueprintFiles {
    record Loaded(Path file, Blueprint blueprint, List<Diagnostic> diagnostics) {}

    private BlueprintFiles() {}

    static List<Loaded> load(List<Path> files) {
        List<Loaded> out = new ArrayList<>();
        for (Path f : files) {
            var r = BlueprintLoader.load(f);
            out.add(new Loaded(f, r.blueprint(), r.diagnostics()));
        }
        return out;
    }

    /** Loads, prints diagnostics (text), and stops with exit 2 when any blueprint is invalid. */
    static List<Blueprint> loadOrExit(Output o, List<Path> files) {
        List<Loaded> loaded = load(files);
        boolean bad = loaded.stream().anyMatch(l -> l.blueprint() == null);
        if (bad) {
            report(o, loaded);
            throw new ExitException(ExitCodes.BAD_INPUT);
        }
        if (!o.json()) {
            loaded.forEach(l -> l.diagnostics().forEach(d -> DiagnosticRenderer.text(o, d)));
        }
        return loaded.stream().map(Loaded::blueprint).toList();
    }

    static void report(Output o, List<Loaded> loaded) {
        if (o.json()) {
            List<Object> files = new ArrayList<>();
            for (Loaded l : loaded) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", l.file().toString());
                m.put("valid", l.blueprint() != null);
                m.put("universe", l.blueprint() == null ? null : l.blueprint().universe());
                m.put("diagnostics", l.diagnostics().stream().map(DiagnosticRenderer::json).toList());
                files.add(m);
            }
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("valid", loaded.stream().allMatch(l -> l.blueprint() != null));
            root.put("files", files);
            root.put("diagnostics", loaded.stream().flatMap(l -> l.diagnostics().stream()).map(DiagnosticRenderer::json).toList());
            o.json(root);
        }
        int errors = 0;
        for (Loaded l : loaded) {
            for (Diagnostic d : l.diagnostics()) {
                DiagnosticRenderer.text(o, d);
                errors += d.isError() ? 1 : 0;
            }
        }
        if (errors > 0) {
            o.err.println(o.red(Plural.count(errors, "error")) + "; nothing was changed");
        }
    }
}
