package io.convexstream.kafka;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The Kafka options every command that talks to a cluster takes: where it is, and the client properties for it. */
public final class KafkaOptions {
  @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, e.g. kafka:9092.")
  String bootstrap;

  @Option(names = "--kafka-config", paramLabel = "FILE", description = {
      "Kafka client properties (security.protocol, sasl.*, ssl.*, ...) for every client this command creates: a standard",
      "properties file. Default: the file named by $" + KafkaConnection.CONFIG_FILE_ENV + "; each $"
          + KafkaConnection.PROPERTY_ENV_PREFIX + "<NAME> variable sets one more (e.g. "
          + KafkaConnection.PROPERTY_ENV_PREFIX + "SECURITY_PROTOCOL=SASL_SSL). Secrets never show in the job's Flink",
      "configuration, its parameters or --dry-run (docs/SECURITY.md)."})
  Path config;

  /** The connection: bootstrap servers and client properties. */
  public KafkaConnection connection() {
    return KafkaConnection.of(bootstrap, config, System.getenv());
  }

  /**
   * The connection, once the cluster answered it and lets it read {@code reads} and write {@code
   * writes}: a client without credentials, with a wrong password or without an ACL fails here in
   * seconds with one line, instead of waiting a minute per record for metadata it may not see.
   */
  public KafkaConnection checkedConnection(java.util.Collection<io.convexstream.kafka.Topic> reads,
      java.util.Collection<io.convexstream.kafka.Topic> writes) {
    KafkaConnection kafka = connection();
    io.convexstream.kafka.TopicAdmin.checkReachable(kafka, java.time.Duration.ofSeconds(10));
    io.convexstream.kafka.TopicAdmin.checkAccess(kafka, reads, writes);
    return kafka;
  }
}
