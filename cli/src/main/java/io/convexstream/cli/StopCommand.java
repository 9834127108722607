package io.convexstream.cli;

import io.convexstream.local.FlinkRest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = {
        "Stop a running job with a savepoint, to resume it later from there.",
        "",
        "Flink's stop-with-savepoint through the cluster's REST API: the sources stop, a",
        "savepoint is written, the exactly-once outputs are committed and the job finishes.",
        "A local `convexstream run` then exits, and its next start resumes from the savepoint.",
        ""})
final class StopCommand implements Callable<Integer> {
  @Option(names = "--job", required = true, description = "The job's instance name (as given to run's --job or --name) or its Flink job id.")
  String job;

  @Option(names = "--flink", defaultValue = "localhost:8081", description = "REST address of the Flink cluster (default: ${DEFAULT-VALUE}).")
  String flink;

  @Option(names = "--savepoint", description = "Directory of the savepoint (default: the cluster's; a local run's is its --state-dir).")
  String savepointDir;

  @Option(names = "--drain", description = {"End the inputs first: event time advances to the end, so open periods close and",
      "buffered steps are flushed. For a final stop; a job resumed after it sees no more of them."})
  boolean drain;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait for the savepoint (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    FlinkRest rest = new FlinkRest(URI.create("http://" + flink));
    String id = job;
    if (!job.matches("[0-9a-f]{32}")) {
      List<String> running;
      try {
        running = rest.unfinishedJobsNamed("convexstream " + job);
      } catch (Exception e) {
        throw new IllegalStateException("no Flink REST API answers at " + flink + " (" + (e.getMessage() == null
            ? e.getClass().getSimpleName() : e.getMessage()) + ")");
      }
      if (running.size() != 1) {
        throw new IllegalStateException(running.isEmpty() ? "no job named 'convexstream " + job + "' is running on " + flink
            : running.size() + " jobs named 'convexstream " + job + "' run on " + flink + ": " + running + "; give the id");
      }
      id = running.get(0);
    }
    String location = rest.stopWithSavepoint(id, savepointDir, drain, timeout);
    System.out.println("stopped " + job + " (" + id + ") with savepoint " + location);
    return 0;
  }
}
