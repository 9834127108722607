package io.convexstream.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.codec.SchemaCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerIT {
  @Test
  void servesTheTopicCatalogueAndRemovesItsDataOnClose() throws Exception {
    Path dir;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      dir = broker.dataDir();
      assertThat(Files.isDirectory(dir)).isTrue();

      Set<String> created = TopicAdmin.createAll(broker.bootstrapServers());
      assertThat(created).hasSize(Topic.values().length);
      assertThat(TopicAdmin.createAll(broker.bootstrapServers())).isEmpty(); // idempotent

      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        var descriptions = admin.describeTopics(created).allTopicNames().get(30, TimeUnit.SECONDS);
        assertThat(descriptions.values()).allMatch(d -> d.partitions().size() == Topic.DEFAULT_PARTITIONS);
        ConfigResource dlq = new ConfigResource(ConfigResource.Type.TOPIC, Topic.DEAD_LETTERS.topicName());
        Config config = admin.describeConfigs(List.of(dlq)).all().get(30, TimeUnit.SECONDS).get(dlq);
        assertThat(config.get("retention.ms").value()).isEqualTo(Topic.DEAD_LETTERS.configs().get("retention.ms"));
        assertThat(config.get("message.timestamp.type").value()).isEqualTo("LogAppendTime");
      }

      try (TopicClient client = new TopicClient(broker.bootstrapServers())) {
        for (int i = 0; i < 20; i++) {
          client.send(Topic.MARKET_TICKS, "A" + (i % 3), new MarketTick("A" + (i % 3), Instant.ofEpochMilli(i), 100.0 + i, 1.0));
        }
        client.flush();
        List<MarketTick> ticks = client.read(Topic.MARKET_TICKS, MarketTick.class, 20, Duration.ofSeconds(30));
        assertThat(ticks).hasSize(20);
        assertThat(ticks.stream().map(MarketTick::getPrice).collect(Collectors.toSet())).hasSize(20);
      }
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void everyRecordTypeHasExactlyOneTopic() {
    assertThat(List.of(Topic.values()).stream().map(Topic::recordType).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(SchemaCatalog.RECORD_TYPES);
    assertThat(List.of(Topic.values()).stream().map(Topic::topicName).distinct().count()).isEqualTo(Topic.values().length);
  }
}
