package io.convexstream.local;

import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.Topic;
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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
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

  /** The SCRAM mechanism of the secured broker's listener. */
  public static final String SCRAM = "SCRAM-SHA-512";
  /** The secured broker's second mechanism, inside TLS only: for clients whose SCRAM fails (old librdkafka). */
  public static final String PLAIN = "PLAIN";
  /** The secured broker's super user (its password is random per broker). */
  public static final String ADMIN = "admin";
  /** The secured broker's user on its controller listener, known only inside the broker's process. */
  private static final String CONTROLLER_USER = "controller";
  /** Where a durable secured broker keeps its super user's password, in its data directory. */
  public static final String ADMIN_PASSWORD_FILE = "admin.password";

  private final Path dataDir;
  private final boolean temporary;
  private final int port;
  private final KafkaRaftServer server;
  private final String adminPassword; // null: PLAINTEXT, no authorization
  private final Path caCertificate; // the secured broker's CA, which its clients trust

  private EmbeddedKafkaBroker(Path dataDir, boolean temporary, int port, KafkaRaftServer server, String adminPassword, Path caCertificate) {
    this.caCertificate = caCertificate;
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.port = port;
    this.server = server;
    this.adminPassword = adminPassword;
  }

  /** Starts a broker on a free loopback port. */
  public static EmbeddedKafkaBroker start() {
    return start(0);
  }

  /** Starts a broker on {@code port} (0: any free port) with temporary data and waits until it serves requests. */
  public static EmbeddedKafkaBroker start(int port) {
    try {
      return start(port, Files.createTempDirectory("convexstream-kafka-"), true, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a secured broker on {@code port} (0: any free port) with temporary data: one SASL_SSL
   * listener with SCRAM-SHA-512 (TLS with a CA and certificate of its own, {@link #caCertificate()}),
   * the standard authorizer, and no access without an ACL. Its super user {@value #ADMIN} (random
   * password, {@link #adminConnection()}) creates users ({@link #createUser}) and their ACLs ({@link
   * #allow}). For local least-privilege setups and their tests (docs/SECURITY.md).
   */
  public static EmbeddedKafkaBroker startSecure(int port) {
    try {
      return start(port, Files.createTempDirectory("convexstream-kafka-"), true, java.util.UUID.randomUUID().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a secured broker, as {@link #startSecure(int)}, whose data lives in {@code dataDir}: its
   * users, their SCRAM credentials and ACLs are in the metadata log and outlive the process; the
   * super user's password is kept beside it in {@value #ADMIN_PASSWORD_FILE} (owner only). A
   * directory holds either a secured or a plain broker, never one then the other.
   */
  public static EmbeddedKafkaBroker startSecure(int port, Path dataDir) {
    boolean formatted = Files.exists(dataDir.resolve("log").resolve("meta.properties"));
    Path file = dataDir.resolve(ADMIN_PASSWORD_FILE);
    try {
      if (formatted != Files.exists(file)) {
        throw new IllegalStateException(dataDir + " holds a " + (formatted ? "plain" : "secured") + " broker's data: start it "
            + (formatted ? "without" : "with") + " --secure");
      }
      if (!formatted) {
        Files.createDirectories(dataDir);
        Files.writeString(file, java.util.UUID.randomUUID().toString());
        ownerOnly(file);
      }
      return start(port, dataDir, false, Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes {@code file} readable and writable by its owner only (where the file system has POSIX permissions). */
  public static void ownerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the file keeps the default permissions
    }
  }

  /**
   * Starts a broker on {@code port} (0: any free port) whose data lives in {@code dataDir}: a new
   * directory is formatted once, an existing one is started again with its topics, committed
   * offsets, transactions and cluster id. Nothing is deleted when it stops.
   */
  public static EmbeddedKafkaBroker start(int port, Path dataDir) {
    if (Files.exists(dataDir.resolve(ADMIN_PASSWORD_FILE))) {
      throw new IllegalStateException(dataDir + " holds a secured broker's data: start it with --secure");
    }
    return start(port, dataDir, false, null);
  }

  private static EmbeddedKafkaBroker start(int port, Path dir, boolean temporary, String adminPassword) {
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
    BrokerCertificates tls = adminPassword == null ? null : BrokerCertificates.in(dir);
    if (adminPassword != null) {
      String listener = "SASL_SSL";
      props.put("listeners", listener + "://127.0.0.1:" + brokerPort + "," + CONTROLLER + "://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", listener + "://127.0.0.1:" + brokerPort);
      props.put("listener.security.protocol.map", listener + ":SASL_SSL," + CONTROLLER + ":SASL_SSL");
      props.put("inter.broker.listener.name", listener);
      // both listeners speak TLS with the broker's certificate; its own links to them trust its CA
      props.put("ssl.keystore.type", "PKCS12");
      props.put("ssl.keystore.location", tls.keystore().toString());
      props.put("ssl.keystore.password", tls.password());
      props.put("ssl.truststore.type", "PEM");
      props.put("ssl.truststore.location", tls.caCertificate().toString());
      props.put("sasl.enabled.mechanisms", SCRAM);
      props.put("sasl.mechanism.inter.broker.protocol", SCRAM);
      props.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ADMIN, adminPassword));
      // PLAIN inside TLS as well, for clients whose SCRAM fails (PlainPasswords): the same users and passwords
      props.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", SCRAM + "," + PLAIN);
      props.put("listener.name.sasl_ssl.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
          + PlainPasswords.FILE_OPTION + "=\"" + plainPasswords(dir) + "\";");
      props.put("listener.name.sasl_ssl.plain.sasl.server.callback.handler.class", PlainPasswords.class.getName());
      PlainPasswords.put(plainPasswords(dir), ADMIN, adminPassword);
      // KRaft controllers cannot use SCRAM (its credentials live in the metadata they serve): the
      // controller listener takes PLAIN with one user of its own, the broker's link to its controller
      String controllerPassword = java.util.UUID.randomUUID().toString();
      props.put("listener.name.controller.sasl.enabled.mechanisms", PLAIN);
      props.put("sasl.mechanism.controller.protocol", PLAIN);
      props.put("listener.name.controller.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
          + " username=\"" + CONTROLLER_USER + "\" password=\"" + controllerPassword + "\" user_" + CONTROLLER_USER + "=\""
          + controllerPassword + "\";");
      props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      props.put("allow.everyone.if.no.acl.found", "false");
      props.put("super.users", "User:" + ADMIN + ";User:" + CONTROLLER_USER);
    }
    if (!formatted) { // else the log, and with it the cluster id, are kept
      format(dir, logDir, temporary, adminPassword);
    }
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, temporary, brokerPort, server, adminPassword,
        tls == null ? null : tls.caCertificate());
    try {
      server.startup();
      broker.awaitReady(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  private static void format(Path dir, String logDir, boolean temporary, String adminPassword) {
    try {
      Formatter formatter = new Formatter();
      if (adminPassword != null) { // the super user's credential must exist before the broker's first inter-broker login
        formatter.setScramArguments(List.of(SCRAM + "=[name=" + ADMIN + ",password=" + adminPassword + "]"));
      }
      formatter
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

  /** How the super user connects: the plain connection for an unsecured broker. */
  public KafkaConnection adminConnection() {
    return adminPassword == null ? KafkaConnection.to(bootstrapServers()) : connection(ADMIN, adminPassword);
  }

  /** How user {@code name} connects to the secured broker with {@code password} (SASL_SSL, SCRAM-SHA-512). */
  public KafkaConnection connection(String name, String password) {
    return new KafkaConnection(bootstrapServers(), clientProperties(name, password));
  }

  /** The client properties of user {@code name} on this secured broker, as a --kafka-config file holds them. */
  public Map<String, String> clientProperties(String name, String password) {
    return clientProperties(name, password, caCertificate);
  }

  /** The client properties of user {@code name}, trusting the CA certificate at {@code caCertificate} (a copy of {@link #caCertificate()}). */
  public static Map<String, String> clientProperties(String name, String password, Path caCertificate) {
    return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", SCRAM, "sasl.jaas.config", jaas(name, password),
        "ssl.truststore.type", "PEM", "ssl.truststore.location", caCertificate.toAbsolutePath().toString());
  }

  /** Where the secured broker keeps its users' PLAIN password hashes. */
  private static Path plainPasswords(Path dataDir) {
    return dataDir.resolve("plain-passwords");
  }

  /** The secured broker's CA certificate (PEM), which its clients trust. */
  public Path caCertificate() {
    return caCertificate;
  }

  /** Creates (or updates) user {@code name} on the secured broker: its SCRAM credential, and the same password for PLAIN inside TLS. */
  public void createUser(String name, String password) {
    PlainPasswords.put(plainPasswords(dataDir), name, password);
    try (Admin admin = Admin.create(adminConnection().config(Map.of()))) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
      awaitCredential(admin, name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create user " + name + ": " + e.getMessage(), e);
    }
  }

  /** Grants {@code acls} on the secured broker. */
  public void allow(java.util.Collection<AclBinding> acls) {
    try (Admin admin = Admin.create(adminConnection().config(Map.of()))) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create ACLs: " + e.getMessage(), e);
    }
  }

  /** A new credential takes effect through the metadata log: wait until the broker describes it. */
  private static void awaitCredential(Admin admin, String name) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (admin.describeUserScramCredentials(List.of(name)).all().get(30, TimeUnit.SECONDS).get(name) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("credential of " + name + " not visible");
      }
      Thread.sleep(50);
    }
  }

  private static String jaas(String name, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name + "\" password=\"" + password + "\";";
  }

  public Path dataDir() {
    return dataDir;
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(adminConnection().config(Map.of()))) {
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
