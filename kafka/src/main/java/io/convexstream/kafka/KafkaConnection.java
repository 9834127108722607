package io.convexstream.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where the Kafka cluster is and how every client of the project talks to it: the bootstrap servers
 * plus standard Kafka client properties ({@code security.protocol}, {@code sasl.*}, {@code ssl.*},
 * or any other) applied to every producer, consumer, admin client and Kafka Streams instance. The
 * project's own settings (exactly-once, message sizes, isolation) are put on top by each client and
 * win where they must.
 *
 * <p>Secrets stay out of sight: {@link #toString()} masks them, and the properties never go into a
 * Flink configuration or global job parameters (which the web UI shows), only into the Kafka
 * sources and sinks. Kafka's own config dumps in the logs print password-type values as
 * {@code [hidden]}. Kafka's config providers keep secrets out of the file too:
 * {@code config.providers=file} and {@code sasl.jaas.config=${file:/secrets/kafka:jaas}} are
 * resolved by each client where it runs.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) implements Serializable {
  /** Environment variable naming a client properties file (the container form of {@code --kafka-config}). */
  public static final String CONFIG_FILE_ENV = "CONVEXSTREAM_KAFKA_CONFIG";
  /** Prefix of environment variables that each set one client property: {@code CONVEXSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL}. */
  public static final String PROPERTY_ENV_PREFIX = "CONVEXSTREAM_KAFKA_";

  public KafkaConnection {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("no Kafka bootstrap servers");
    }
    if (clientProperties.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException("bootstrap.servers belongs in --bootstrap, not in the client properties");
    }
    clientProperties = Map.copyOf(clientProperties);
  }

  /** A cluster that needs no client settings (PLAINTEXT, e.g. the in-JVM broker). */
  public static KafkaConnection to(String bootstrapServers) {
    return new KafkaConnection(bootstrapServers, Map.of());
  }

  /**
   * The connection a command runs with: the properties of {@code configFile} (or of the file named
   * by {@value #CONFIG_FILE_ENV} when null), then one property per {@value #PROPERTY_ENV_PREFIX}*
   * variable of {@code environment} (upper case, '_' for '.'), which win.
   */
  public static KafkaConnection of(String bootstrapServers, Path configFile, Map<String, String> environment) {
    Map<String, String> props = new LinkedHashMap<>();
    Path file = configFile != null ? configFile
        : environment.containsKey(CONFIG_FILE_ENV) ? Path.of(environment.get(CONFIG_FILE_ENV)) : null;
    if (file != null) {
      Properties p = new Properties();
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the Kafka client properties " + file + ": " + e.getMessage(), e);
      }
      p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
    }
    environment.forEach((name, value) -> {
      if (name.startsWith(PROPERTY_ENV_PREFIX) && !name.equals(CONFIG_FILE_ENV)) {
        props.put(name.substring(PROPERTY_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    return new KafkaConnection(bootstrapServers, props);
  }

  /** A client's configuration: bootstrap servers, the client properties, then {@code own} (the client's must-have settings) on top. */
  public Map<String, Object> config(Map<String, ?> own) {
    Map<String, Object> c = new LinkedHashMap<>(clientProperties);
    c.put("bootstrap.servers", bootstrapServers);
    c.putAll(own);
    return c;
  }

  /** {@link #config} as Properties, for builders that take them (Flink's Kafka source and sink). */
  public Properties properties(Map<String, ?> own) {
    Properties p = new Properties();
    p.putAll(config(own));
    return p;
  }

  /** Whether a property's value is a secret: JAAS configs, passwords, keys, tokens. */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("jaas") || k.contains("password") || k.contains("secret") || k.contains("token") || k.endsWith(".key")
        || k.contains("keystore.key") || k.contains("credentials");
  }

  /** The bootstrap servers and properties, secrets masked: safe for logs, dry runs and error messages. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    clientProperties.forEach((k, v) -> shown.put(k, isSecret(k) ? "[hidden]" : v));
    return bootstrapServers + (shown.isEmpty() ? "" : " " + shown);
  }
}
