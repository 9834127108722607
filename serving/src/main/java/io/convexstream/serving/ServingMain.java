package io.convexstream.serving;

import picocli.CommandLine;

/**
 * The serving view on its own, without the rest of the command line: {@code java -cp
 * <serving jars> io.convexstream.serving.ServingMain --bootstrap kafka:9092 ...} takes the options
 * of {@code convexstream serve}.
 */
public final class ServingMain {
  private ServingMain() {}

  /** The serve command, printing a one-line error (not a stack trace) when it fails. */
  public static CommandLine commandLine() {
    return withOneLineErrors(new CommandLine(new ServeCommand()));
  }

  /** {@code cli}, printing a failed command's error in one line instead of a stack trace (the convexstream command line's rule). */
  public static CommandLine withOneLineErrors(CommandLine cli) {
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
      return 2;
    });
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
