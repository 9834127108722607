package io.convexstream.streams.cli;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.TopicAdmin;
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
        "Its data lives in a temporary directory, removed when it stops (Ctrl-C).",
        ""})
final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", description = "Listener port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port);
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "convexstream-broker-shutdown"));
    System.out.println("created topics: " + TopicAdmin.createAll(broker.bootstrapServers()));
    System.out.println("Kafka: " + broker.bootstrapServers() + "  (Ctrl-C stops it and removes its data)");
    new CountDownLatch(1).await();
    return 0;
  }
}
