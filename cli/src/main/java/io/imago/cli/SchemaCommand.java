package io.imago.cli;

import io.imago.blueprints.BlueprintSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "schema",
        description = "Print the JSON Schema (draft 2020-12) of blueprint format 1 on stdout. Editors that read it "
                + "complete field names and show each field's documentation on hover; the README shows the line that "
                + "points an editor at it. It checks a blueprint's shape; `imago validate` checks everything.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago schema > blueprint-v1.json         a local copy for an editor",
            "  imago schema | jq '.properties | keys'   the top-level sections"})
final class SchemaCommand implements Callable<Integer> {
    @ParentCommand Imago imago;

    @Override
    public Integer call() {
        imago.out.print(BlueprintSchema.json());
        imago.out.flush();
        return ExitCodes.OK;
    }
}
