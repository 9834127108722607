package io.convexstream.streams.cli;

import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.TopicAdmin;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
        "Run a one-node Kafka broker (KRaft) in this process, with the catalogue's topics.",
        "",
        "For a local multi-process setup without a Kafka distribution (deploy/local/start-local.sh).",
        "With --data-dir its log, cluster id, committed offsets and transactions survive a restart",
        "(jobs reading and writing it go on, exactly once); without, they live in a temporary",
        "directory removed when it stops (Ctrl-C).",
        ""})
final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", description = "Listener port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", description = "Keep the broker's data here, across restarts (default: a temporary directory).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    EmbeddedKafkaBroker broker = dataDir == null ? EmbeddedKafkaBroker.start(port) : EmbeddedKafkaBroker.start(port, dataDir);
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "convexstream-broker-shutdown"));
    System.out.println("created topics: " + TopicAdmin.createAll(broker.bootstrapServers()));
    System.out.println("Kafka: " + broker.bootstrapServers() + (dataDir == null ? "  (Ctrl-C stops it and removes its data)"
        : "  (data in " + dataDir + "; Ctrl-C stops it, a restart with the same --data-dir goes on from there)"));
    new CountDownLatch(1).await();
    return 0;
  }
}
