package jbert.trainer;

import jbert.engine.Backends;
import jbert.engine.io.ModelFormatException;
import jbert.trainer.cli.BenchCommand;
import jbert.trainer.cli.CommandContext;
import jbert.trainer.cli.Console;
import jbert.trainer.cli.EncodeCommand;
import jbert.trainer.cli.EvalCommand;
import jbert.trainer.cli.FillMaskCommand;
import jbert.trainer.cli.PredictCommand;
import jbert.trainer.cli.TokenizeCommand;
import jbert.trainer.cli.TrainCommand;
import jbert.tokenizer.TokenizerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code jbert} command: fine-tune, evaluate and run BERT from the terminal.
 *
 * <p>Exit codes: 0 done; 1 an internal error (a bug: a stack trace is printed); 2 a usage error or bad
 * input (unknown flag, bad value, missing or malformed file, unavailable device), reported in one line;
 * 3 training diverged (NaN or Inf loss); 130 interrupted by Ctrl-C after saving a checkpoint.
 */
@Command(name = "jbert", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "A from-scratch BERT engine in Java: fine-tune, evaluate and run BERT models.",
        footer = {"", "Exit codes: 0 done, 1 internal error, 2 usage error or bad input, 3 training diverged, 130 interrupted.",
                "Run 'jbert COMMAND --help' for a command's options."})
public final class Main implements java.util.concurrent.Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_DIVERGED = 3;
    public static final int EXIT_INTERRUPTED = 130;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        // No command given: the usage, as an error.
        PrintWriter err = spec.commandLine().getErr();
        err.println("Missing command (train, eval, predict, tokenize, encode, fill-mask, bench)");
        spec.commandLine().usage(err);
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (OutOfMemoryError e) {
            // picocli hands Errors on: say what to do in one line instead of a trace.
            System.err.println("jbert: " + userMessage(e));
            code = EXIT_INTERNAL;
        }
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs the command line with the given streams and returns the exit code (tests call this). The
     * system properties and environment variables are read here, once, as the commands' defaults; a
     * malformed one (JBERT_THREADS=two) is a one-line error.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandContext context;
        try {
            context = CommandContext.of(new Console(System.in, out, err), System.getProperties(), System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("jbert: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        return run(args, context);
    }

    /** Runs the command line in {@code context} (its console, its defaults) and returns the exit code. */
    public static int run(String[] args, CommandContext context) {
        try {
            return commandLine(context).execute(args);
        } finally {
            context.console().out().flush();
            context.console().err().flush();
        }
    }

    /**
     * The command tree, each command built with the context. Subcommands are added before the settings
     * below, which picocli applies to the commands present when they are set.
     */
    static CommandLine commandLine(CommandContext context) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new TrainCommand(context));
        cl.addSubcommand(new EvalCommand(context));
        cl.addSubcommand(new PredictCommand(context));
        cl.addSubcommand(new TokenizeCommand(context));
        cl.addSubcommand(new EncodeCommand(context));
        cl.addSubcommand(new FillMaskCommand(context));
        cl.addSubcommand(new BenchCommand());
        cl.addSubcommand(new CommandLine.HelpCommand());
        Console console = context.console();
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(console.out(), StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(console.err(), StandardCharsets.UTF_8), true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            // The message, picocli's "did you mean" when it has one, and always the usage.
            CommandLine cmd = ex.getCommandLine();
            PrintWriter w = cmd.getErr();
            w.println(ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
            cmd.usage(w, cmd.getColorScheme());
            w.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof CommandLine.ParameterException pe) {
                // A value that parsed but does not fit (--batch-size 0): the same as a parse error.
                return cmd.getParameterExceptionHandler().handleParseException(pe, args(parseResult));
            }
            String line = userMessage(ex);
            if (line != null) {
                cmd.getErr().println("jbert: " + line);
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            cmd.getErr().println("jbert: internal error (please report it with the command line):");
            ex.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return EXIT_INTERNAL;
        });
        return cl;
    }

    private static String[] args(CommandLine.ParseResult r) {
        return r == null ? new String[0] : r.originalArgs().toArray(new String[0]);
    }

    /**
     * The one-line message of an error the user can act on, or null for a bug. User errors: ours
     * ({@link UserError}), a device that is not there, a model or tokenizer file that is malformed, a file
     * that cannot be read or written.
     */
    static String userMessage(Throwable ex) {
        if (ex instanceof UserError || ex instanceof Backends.UnavailableException
                || ex instanceof ModelFormatException || ex instanceof TokenizerException) {
            return oneLine(ex.getMessage());
        }
        if (ex instanceof UncheckedIOException u) return oneLine(u.getMessage());
        if (ex instanceof jbert.engine.DeviceOutOfMemoryException) {
            return oneLine("out of device memory: " + ex.getMessage() + "; use a smaller --batch-size");
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + "); give Java more heap (./jbert defaults to 2400 MB; JBERT_JAVA_OPTS=-Xmx8g for more) or use a smaller --batch-size";
        }
        return null;
    }

    private static String oneLine(String m) {
        if (m == null) return "error";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** "jbert VERSION" and the runtime. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jbert " + Version.JBERT, "Java " + Version.java() + ", " + Version.os()};
        }
    }
}
