package io.convexstream.local;

import io.convexstream.connectors.kafka.Topic;
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
 * Used by {@code convexstream demo}, {@code convexstream broker} and the tests. Its data lives in a
 * temporary directory that {@link #close()} deletes, or in a directory of the caller's that keeps
 * the log, the cluster id and the controller's port across restarts.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final String CONTROLLER = "CONTROLLER";

  private final Path dataDir;
  private final boolean temporary;
  private final int port;
  private final KafkaRaftServer server;

  private EmbeddedKafkaBroker(Path dataDir, boolean temporary, int port, KafkaRaftServer server) {
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.port = port;
    this.server = server;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedKafkaBroker start() {
    return start(0);
  }

  /** Starts a broker on {@code port} (0: any free port) with temporary data and waits until it serves requests. */
  public static EmbeddedKafkaBroker start(int port) {
    try {
      return start(port, Files.createTempDirectory("convexstream-kafka-"), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker on {@code port} (0: any free port) whose data lives in {@code dataDir}: a new
   * directory is formatted once, an existing one is started again with its topics, committed
   * offsets, transactions and cluster id. Nothing is deleted when it stops.
   */
  public static EmbeddedKafkaBroker start(int port, Path dataDir) {
    return start(port, dataDir, false);
  }

  private static EmbeddedKafkaBroker start(int port, Path dir, boolean temporary) {
    int brokerPort = port == 0 ? freePort() : port;
    String logDir = dir.resolve("log").toString();
    boolean formatted = Files.exists(dir.resolve("log").resolve("meta.properties"));
    int controllerPort = controllerPort(dir);
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
        // the catalogue's topics take messages up to Topic.MAX_MESSAGE_BYTES; other topics too (serving changelogs)
        Map.entry("message.max.bytes", String.valueOf(Topic.MAX_MESSAGE_BYTES)),
        Map.entry("log.segment.bytes", String.valueOf(64 * 1024 * 1024))));
    if (!formatted) { // else the log, and with it the cluster id, are kept
      format(dir, logDir, temporary);
    }
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, temporary, brokerPort, server);
    try {
      server.startup();
      broker.awaitReady(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  private static void format(Path dir, String logDir, boolean temporary) {
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
      if (temporary) {
        deleteRecursively(dir);
      }
      throw new IllegalStateException("cannot format KRaft storage in " + dir, e);
    }
  }

  /** The controller listens on the same port after a restart: it is written down beside the log. */
  private static int controllerPort(Path dir) {
    Path file = dir.resolve("controller.port");
    try {
      if (Files.exists(file)) {
        return Integer.parseInt(Files.readString(file).trim());
      }
      Files.createDirectories(dir);
      int p = freePort();
      Files.writeString(file, Integer.toString(p));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
      if (temporary) {
        deleteRecursively(dataDir);
      }
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
