package io.convexstream.connectors.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka broker in KRaft mode (combined broker + controller) running inside this JVM.
 * Used by {@code convexstream demo} and by the tests. Its data lives in a temporary directory that
 * {@link #close()} deletes.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final String CONTROLLER = "CONTROLLER";

  private final Path dataDir;
  private final int port;
  private final KafkaRaftServer server;

  private EmbeddedKafkaBroker(Path dataDir, int port, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.port = port;
    this.server = server;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedKafkaBroker start() {
    return start(0);
  }

  /** Starts a broker on {@code port} (0: any free port) and waits until it serves requests. */
  public static EmbeddedKafkaBroker start(int port) {
    Path dir;
    try {
      dir = Files.createTempDirectory("convexstream-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int brokerPort = port == 0 ? freePort() : port;
    int controllerPort = freePort();
    String logDir = dir.resolve("log").toString();
    Properties props = new Properties();
    props.putAll(Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
        Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort),
        Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort),
        Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT"),
        Map.entry("controller.listener.names", CONTROLLER),
        Map.entry("inter.broker.listener.name", "PLAINTEXT"),
        Map.entry("log.dirs", logDir),
        Map.entry("auto.create.topics.enable", "false"),
        // one node: every internal topic has one replica
        Map.entry("offsets.topic.replication.factor", "1"),
        Map.entry("offsets.topic.num.partitions", "4"),
        Map.entry("transaction.state.log.replication.factor", "1"),
        Map.entry("transaction.state.log.min.isr", "1"),
        Map.entry("transaction.state.log.num.partitions", "4"),
        Map.entry("share.coordinator.state.topic.replication.factor", "1"),
        Map.entry("share.coordinator.state.topic.min.isr", "1"),
        // Flink's exactly-once sink keeps transactions open across checkpoints
        Map.entry("transaction.max.timeout.ms", "3600000"),
        Map.entry("group.initial.rebalance.delay.ms", "0"),
        Map.entry("log.segment.bytes", String.valueOf(64 * 1024 * 1024))));
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .addDirectory(logDir)
          .setMetadataLogDirectory(logDir)
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setControllerListenerName(CONTROLLER)
          .run();
    } catch (Exception e) {
      deleteRecursively(dir);
      throw new IllegalStateException("cannot format KRaft storage in " + dir, e);
    }
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, brokerPort, server);
    try {
      server.startup();
      broker.awaitReady(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      while (true) {
        try {
          if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("embedded Kafka broker not ready after " + timeout, e);
          }
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting Kafka", e);
    }
  }

  @Override
  public void close() {
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      deleteRecursively(dataDir);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
