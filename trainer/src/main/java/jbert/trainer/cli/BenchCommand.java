package jbert.trainer.cli;

import jbert.trainer.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/**
 * {@code jbert bench}: the JMH benchmarks. The launcher script runs them from bench/target/benchmarks.jar
 * before this jar is ever started; this entry only lists the command and says so when the jar is run
 * directly.
 */
@Command(name = "bench", description = "Run the JMH benchmarks (the ./jbert launcher runs bench/target/benchmarks.jar; "
        + "arguments go to JMH, e.g. ./jbert bench -l).")
public final class BenchCommand implements Runnable {
    @Parameters(arity = "0..*", paramLabel = "JMH_ARGS", description = "Arguments for JMH.")
    List<String> args;

    @Override
    public void run() {
        throw new UserError("bench runs through the launcher: ./jbert bench [JMH arguments] (it starts bench/target/benchmarks.jar)");
    }
}
