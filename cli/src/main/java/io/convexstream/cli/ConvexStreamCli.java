package io.convexstream.cli;

import io.convexstream.serving.ServeCommand;
import io.convexstream.serving.ServingMain;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code convexstream} command line. */
@Command(
    name = "convexstream",
    mixinStandardHelpOptions = true,
    version = "convexstream 0.1.0",
    description = {
        "Streaming online learning on Kafka and Flink.",
        "",
        "Learners read gradients, router loads and market data from Kafka topics,",
        "keep their state in Flink, and publish parameters, expert biases and",
        "portfolio weights back to Kafka.",
        ""},
    subcommands = {DemoCommand.class, RunCommand.class, StopCommand.class, ServeCommand.class, BrokerCommand.class, ClusterCommand.class, TopicsCommand.class, SchemasCommand.class, ProduceCommand.class, ConsumeCommand.class, OptionsCommand.class, BenchCommand.class, RecordCommand.class, ReplayCommand.class, BacktestCommand.class, LearnCommand.class, CommandLine.HelpCommand.class})
public final class ConvexStreamCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The command line, printing a one-line error (not a stack trace) when a command fails. */
  public static CommandLine commandLine() {
    return ServingMain.withOneLineErrors(new CommandLine(new ConvexStreamCli()));
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
