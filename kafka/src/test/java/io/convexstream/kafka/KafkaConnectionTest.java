package io.convexstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {
  @Test
  void readsAPropertiesFileThenEnvironmentVariablesAndKeepsItsOwnSettingsOnTop(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("kafka.properties");
    Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p4ss\";\n"
        + "isolation.level=read_uncommitted\n");
    KafkaConnection k = KafkaConnection.of("kafka:9093", file, Map.of("CONVEXSTREAM_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256", "HOME", "/root"));
    assertThat(k.clientProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-256")
        .doesNotContainKey("home");
    Map<String, Object> consumer = k.config(Map.of("isolation.level", "read_committed"));
    assertThat(consumer).containsEntry("bootstrap.servers", "kafka:9093").containsEntry("isolation.level", "read_committed")
        .containsEntry("security.protocol", "SASL_SSL");
    assertThat(k.toString()).contains("sasl.jaas.config=[hidden]", "security.protocol=SASL_SSL").doesNotContain("p4ss");

    // the file may come from the environment too (a mounted Secret in a container)
    KafkaConnection fromEnv = KafkaConnection.of("kafka:9093", null, Map.of(KafkaConnection.CONFIG_FILE_ENV, file.toString()));
    assertThat(fromEnv.clientProperties()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    assertThat(KafkaConnection.of("kafka:9093", null, Map.of()).clientProperties()).isEmpty();
  }

  @Test
  void refusesWhatDoesNotBelong(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("kafka.properties");
    Files.writeString(file, "bootstrap.servers=elsewhere:9092\n");
    assertThatThrownBy(() -> KafkaConnection.of("kafka:9093", file, Map.of())).hasMessageContaining("belongs in --bootstrap");
    assertThatThrownBy(() -> KafkaConnection.of("kafka:9093", dir.resolve("missing"), Map.of()))
        .hasMessageContaining("cannot read the Kafka client properties");
    assertThat(KafkaConnection.isSecret("ssl.truststore.password")).isTrue();
    assertThat(KafkaConnection.isSecret("ssl.keystore.key")).isTrue();
    assertThat(KafkaConnection.isSecret("ssl.truststore.location")).isFalse();
  }
}
