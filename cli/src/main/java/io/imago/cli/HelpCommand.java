package io.imago.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Parameters;

/**
 * {@code imago help [COMMAND]} as picocli's own help command does it, plus the topic {@code blueprint}: a short guide
 * to the format ({@link BlueprintGuide}).
 */
@Command(name = "help", helpCommand = true,
        description = "Show the help of a command, or with 'blueprint' a short guide to the blueprint format.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago help apply          the options and examples of apply",
            "  imago help blueprint      the format: sections, an example, ${...} references"})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Callable<Integer> {
    static final String BLUEPRINT = "blueprint";

    @Parameters(paramLabel = "TOPIC", arity = "0..1", completionCandidates = Topics.class,
            description = "A command, or 'blueprint'.")
    String topic;

    private CommandLine self;
    private Help.ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = out;
    }

    @Override
    public Integer call() {
        CommandLine parent = self.getParent();
        if (topic == null) {
            parent.usage(out, colors);
        } else if (topic.equals(BLUEPRINT)) {
            out.print(BlueprintGuide.text());
            out.flush();
        } else if (parent.getSubcommands().containsKey(topic)) {
            parent.getSubcommands().get(topic).usage(out, colors);
        } else {
            throw new CommandLine.ParameterException(self, "unknown help topic '" + topic + "' (topics: "
                    + String.join(", ", topics(parent)) + ")");
        }
        return ExitCodes.OK;
    }

    private static List<String> topics(CommandLine parent) {
        List<String> out = new ArrayList<>(parent.getSubcommands().keySet());
        out.add(BLUEPRINT);
        return out;
    }

    /** For shell completion: the commands and the guide. */
    static final class Topics implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("validate", "plan", "apply", "status", "rollback", "destroy", "schema", "help",
                    "generate-completion", BLUEPRINT).iterator();
        }
    }
}
