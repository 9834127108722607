package io.convexstream.streams.cli;

import io.convexstream.streams.serve.ServingHttp;
import io.convexstream.streams.serve.ServingView;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serve the latest parameters, expert biases and portfolio decisions over HTTP.",
        "",
        "A Kafka Streams application materialises the output topics into state stores",
        "(restored from their changelog topics on restart) and answers, as JSON:",
        "  GET /models/{model}                 whole parameters (rebuilt from snapshots and deltas), version, metrics",
        "  GET /models/{model}/history?n=N     the last N versions and their metrics",
        "  GET /moe/{model}/layers/{layer}[/history?n=N]",
        "  GET /portfolios/{portfolio}  and  /portfolios/{p}/strategies/{s}/history?n=N",
        "  GET /health, /ready, /fresh (503 once an output topic had no record for --stale-after)",
        ""})
final class ServeCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  io.convexstream.jobs.KafkaOptions kafkaOptions;

  @Option(names = "--port", defaultValue = "8090", description = "HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--application-id", defaultValue = "convexstream-serving", description = "Kafka Streams application id: consumer group and changelog topic prefix (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(names = "--state-dir", defaultValue = "serving-state", description = "Local state directory (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--history", defaultValue = "20", description = "Versions kept per key (default: ${DEFAULT-VALUE}).")
  int history;

  @Option(names = "--stale-after", defaultValue = "PT10M", description = {"/fresh answers 503 once an output topic written before",
      "had no record for this long, ISO-8601 (default: ${DEFAULT-VALUE})."})
  java.time.Duration staleAfter;

  @Override
  public Integer call() throws Exception {
    ServingView view = ServingView.start(kafkaOptions.connection(), applicationId, stateDir, history);
    ServingHttp http = ServingHttp.start(view, port, staleAfter);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      http.close();
      view.close();
    }, "convexstream-serve-shutdown"));
    System.out.println("serving view: " + http.address() + "  (ready: " + http.address() + "/ready; Ctrl-C stops)");
    new CountDownLatch(1).await();
    return 0;
  }
}
