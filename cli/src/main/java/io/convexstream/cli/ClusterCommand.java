package io.convexstream.cli;

import io.convexstream.local.StandaloneCluster;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
        "Run a Flink standalone session cluster as separate processes (a JobManager and TaskManagers).",
        "",
        "For a local multi-process setup without a Flink distribution (deploy/local/start-local.sh):",
        "every process runs from this classpath, so jobs are submitted with",
        "`convexstream run --flink localhost:PORT` and no jars. A TaskManager that dies is started",
        "again. More TaskManagers join a running cluster with `convexstream cluster --join N --dir DIR`",
        "(the same --dir). Ctrl-C stops the processes this command started.",
        ""})
final class ClusterCommand implements Callable<Integer> {
  @Option(names = "--rest-port", defaultValue = "8081", description = "REST API and web UI port (default: ${DEFAULT-VALUE}).")
  int restPort;

  @Option(names = "--taskmanagers", defaultValue = "1", description = "TaskManager processes (default: ${DEFAULT-VALUE}).")
  int taskManagers;

  @Option(names = "--slots", defaultValue = "8", description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--dir", defaultValue = "flink-cluster", description = "Configuration and logs go here (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--join", description = "Start only this many TaskManagers, joining the running cluster configured in --dir.")
  Integer join;

  @Option(names = "--prometheus-port", defaultValue = "-1", description = "Prometheus reporter ports start here, one per process (default: off).")
  int prometheusPort;

  @Override
  public Integer call() throws Exception {
    if (join != null) {
      StandaloneCluster.join(dir, join);
      System.out.println(join + " TaskManager(s) joined the cluster in " + dir + " (logs in " + dir.resolve("log") + "; Ctrl-C stops them)");
      new CountDownLatch(1).await();
      return 0;
    }
    Map<String, String> extra = prometheusPort < 0 ? Map.of() : Map.of(
        "metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
        "metrics.reporter.prom.port", prometheusPort + "-" + (prometheusPort + taskManagers));
    StandaloneCluster cluster = StandaloneCluster.start(dir, restPort, taskManagers, slots, extra);
    System.out.println("Flink web UI: " + cluster.rest().address() + "  (" + taskManagers + " TaskManager(s) × "
        + slots + " slots; logs in " + cluster.logDir() + "; Ctrl-C stops it)");
    new CountDownLatch(1).await();
    return 0;
  }
}
