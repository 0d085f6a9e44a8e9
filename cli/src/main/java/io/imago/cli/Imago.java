package io.imago.cli;

import io.imago.engine.EngineException;
import io.imago.providers.spi.ProviderException;
import io.imago.state.StateLockedException;
import io.imago.state.StateStoreException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The top-level command: parses arguments, runs a subcommand, and maps every failure to an exit code in one place. */
@Command(name = "imago",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // --help and --version on every command too
        versionProvider = Imago.Version.class,
        usageHelpAutoWidth = true,
        description = {
            "Online, zero-downtime upgrades: Imago builds the new version of a system beside the live one (a "
                + "parallel universe), copies and converts its data, validates it, switches the ingress atomically "
                + "and retires the old one.",
            ""},
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, StatusCommand.class,
                RollbackCommand.class, DestroyCommand.class, SchemaCommand.class, HelpCommand.class,
                AutoComplete.GenerateCompletion.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  imago validate shop-v2.yml           check a blueprint, change nothing",
            "  imago plan shop-v2.yml               steps, resources and cost of the upgrade",
            "  imago apply --yes shop-v1.yml shop-v2.yml",
            "                                       make v1 live, then upgrade it to v2",
            "  imago status --output json           universes, phases, endpoints, for scripts",
            "  imago help blueprint                 the blueprint format in brief",
            "",
            "Exit codes: 0 ok, 1 failed (production left live), 2 bad input, 3 validation rejected, 4 state locked."})
public final class Imago implements Runnable {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    PrintStream out;
    PrintStream err;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    /** The testable entry point: runs imago with these streams and returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return run(out, err, null, args);
    }

    /** @param helpWidth the columns help is wrapped at, or null for the terminal's width (else 80) */
    static int run(PrintStream out, PrintStream err, Integer helpWidth, String... args) {
        Imago imago = new Imago();
        imago.out = out;
        imago.err = err;
        CommandLine cl = new CommandLine(imago);
        // Every command's help wraps at the terminal's width (80 when there is none), or at the width asked for.
        cl.setUsageHelpAutoWidth(helpWidth == null);
        cl.setUsageHelpWidth(helpWidth == null ? 80 : helpWidth);
        completionExamples(cl.getSubcommands().get("generate-completion"));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, imago));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("imago: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, new PrintWriter(err, true));
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.BAD_INPUT;
        });
        return cl.execute(args);
    }

    /** picocli's own completion command, given examples like every other command. */
    private static void completionExamples(CommandLine completion) {
        completion.getCommandSpec().usageMessage()
                .footerHeading("%nExamples:%n")
                .footer("  source <(imago generate-completion)      this shell (bash or zsh)",
                        "  imago generate-completion > ~/.local/share/bash-completion/completions/imago",
                        "                                           every new bash");
    }

    /** The one place failures become exit codes; only a bug prints a stack trace. */
    private static int handle(Exception ex, Imago imago) {
        PrintStream err = imago.err;
        Output o = new Output(imago.out, err, imago.global);
        if (ex instanceof ExitException e) {
            return e.code();
        }
        if (ex instanceof StateLockedException e) {
            o.error(e.getMessage(), e.hint());
            return ExitCodes.LOCKED;
        }
        if (ex instanceof StateStoreException e) {
            o.error(e.getMessage(), null);
            if (imago.global.verbose) {
                causes(err, e);
            }
            return ExitCodes.FAILED;
        }
        if (ex instanceof EngineException e) {
            o.error(e.getMessage(), null, e.details());
            if (imago.global.verbose) {
                causes(err, e);
            }
            return switch (e.kind()) {
                case BAD_INPUT -> ExitCodes.BAD_INPUT;
                case REJECTED -> ExitCodes.REJECTED;
                case FAILED -> ExitCodes.FAILED;
            };
        }
        if (ex instanceof ProviderException e) {
            o.error(e.getMessage(), null);
            return ExitCodes.FAILED;
        }
        o.error("internal error: " + ex, "this is a bug in imago; the stack trace follows");
        ex.printStackTrace(err);
        return ExitCodes.FAILED;
    }

    /** For --verbose: the chain of causes under a failure meant for users, one line each, with suppressed failures. */
    private static void causes(PrintStream err, Throwable e) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (t != e) {
                err.println("  caused by: " + t);
            }
            for (Throwable s : t.getSuppressed()) {
                err.println("  while handling it, also: " + s);
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Imago.class.getPackage().getImplementationVersion();
            return new String[] {"imago " + (v == null ? "dev" : v) + ", blueprint format 1"};
        }
    }
}
