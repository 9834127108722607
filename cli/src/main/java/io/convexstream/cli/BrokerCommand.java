package io.convexstream.cli;

import io.convexstream.kafka.TopicAdmin;
import io.convexstream.local.EmbeddedKafkaBroker;
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
        "",
        "--secure: SASL/SCRAM-SHA-512 and ACLs, nothing allowed without one, on every port (the",
        "controller's listener takes only its own user). It creates the super user admin, one user per",
        "job (convexstream-<job>) with exactly the job's ACLs, convexstream-clients (write the inputs, read",
        "the outputs) and convexstream-serving (docs/SECURITY.md), and writes each one's client properties",
        "to --users-dir: run a job with --kafka-config DIR/convexstream-<job>.properties, produce and",
        "consume with DIR/convexstream-clients.properties (librdkafka clients: DIR/<user>.librdkafka.properties,",
        "SASL/PLAIN inside TLS). With --data-dir the users, their ACLs and",
        "passwords survive a restart (the users' files in --users-dir are kept).",
        ""})
final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", description = "Listener port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", description = "Keep the broker's data here, across restarts (default: a temporary directory).")
  Path dataDir;

  @Option(names = "--secure", description = "SASL/SCRAM and ACLs, least-privilege users.")
  boolean secure;

  @Option(names = "--users-dir", defaultValue = "secure-broker-users", description = "With --secure: where to write the users' client properties (default: ${DEFAULT-VALUE}).")
  Path usersDir;

  @Override
  public Integer call() throws Exception {
    EmbeddedKafkaBroker broker = secure ? (dataDir == null ? EmbeddedKafkaBroker.startSecure(port) : EmbeddedKafkaBroker.startSecure(port, dataDir))
        : dataDir == null ? EmbeddedKafkaBroker.start(port) : EmbeddedKafkaBroker.start(port, dataDir);
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "convexstream-broker-shutdown"));
    System.out.println("created topics: " + TopicAdmin.createAll(broker.adminConnection()));
    if (secure) {
      java.nio.file.Files.createDirectories(usersDir);
      // the users' files trust a copy of the broker's CA beside them: the directory is all a client needs
      Path ca = usersDir.resolve("ca.crt");
      java.nio.file.Files.copy(broker.caCertificate(), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      var admin = new java.util.HashMap<>(broker.adminConnection().clientProperties());
      admin.put("ssl.truststore.location", ca.toAbsolutePath().toString());
      write(usersDir.resolve("admin.properties"), admin);
      var users = io.convexstream.jobs.JobAccess.allUsers("convexstream-serving");
      for (var user : users.entrySet()) {
        Path file = usersDir.resolve(user.getKey() + ".properties");
        if (dataDir == null || !java.nio.file.Files.exists(file)) { // a durable broker keeps the users it made
          String password = java.util.UUID.randomUUID().toString();
          broker.createUser(user.getKey(), password);
          write(file, EmbeddedKafkaBroker.clientProperties(user.getKey(), password, ca));
          writeLibrdkafka(usersDir.resolve(user.getKey() + ".librdkafka.properties"), user.getKey(), password, ca);
        }
        broker.allow(user.getValue());
      }
      System.out.println("users (SASL_SSL, " + EmbeddedKafkaBroker.SCRAM + "; clients trust " + ca + "): admin, " + users.keySet()
          + "; their client properties are in " + usersDir + " (pass one with --kafka-config)");
    }
    System.out.println("Kafka: " + broker.bootstrapServers() + (dataDir == null ? "  (Ctrl-C stops it and removes its data)"
        : "  (data in " + dataDir + "; Ctrl-C stops it, a restart with the same --data-dir goes on from there)"));
    new CountDownLatch(1).await();
    return 0;
  }

  /**
   * The same user for librdkafka clients (kcat -F FILE, the Python client's load_config): SASL/PLAIN
   * inside TLS, since Debian's librdkafka 2.0.2 fails SCRAM against this broker. Plain key=value
   * lines, as librdkafka reads them (no Java escapes).
   */
  private static void writeLibrdkafka(Path file, String user, String password, Path ca) throws java.io.IOException {
    java.nio.file.Files.writeString(file, String.join("\n", "# librdkafka client properties for convexstream's secured broker",
        "security.protocol=SASL_SSL", "sasl.mechanism=" + EmbeddedKafkaBroker.PLAIN, "sasl.username=" + user, "sasl.password=" + password,
        "ssl.ca.location=" + ca.toAbsolutePath(), ""));
    EmbeddedKafkaBroker.ownerOnly(file);
  }

  private static void write(Path file, java.util.Map<String, String> properties) throws java.io.IOException {
    java.util.Properties p = new java.util.Properties();
    p.putAll(properties);
    try (var out = java.nio.file.Files.newBufferedWriter(file)) {
      p.store(out, "Kafka client properties for convexstream --kafka-config");
    }
    EmbeddedKafkaBroker.ownerOnly(file);
  }
}
