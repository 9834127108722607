package io.convexstream.connectors.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the catalogue's topics on a cluster; creating a topic that exists is not an error. */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * Creates {@code topics} with {@code partitions} each (the catalogue default when {@code <= 0}).
   *
   * @return the names of the topics that were newly created
   */
  public static Set<String> create(String bootstrapServers, Collection<Topic> topics, int partitions, short replication) {
    int n = partitions > 0 ? partitions : Topic.DEFAULT_PARTITIONS;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic t : topics) {
        if (!existing.contains(t.topicName())) {
          missing.add(new NewTopic(t.topicName(), n, replication).configs(t.configs()));
        }
      }
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
      }
      return missing.stream().map(NewTopic::name).collect(java.util.stream.Collectors.toSet());
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  /** Every catalogue topic, default partitions, replication 1 (local use). */
  public static Set<String> createAll(String bootstrapServers) {
    return create(bootstrapServers, List.of(Topic.values()), Topic.DEFAULT_PARTITIONS, (short) 1);
  }
}
