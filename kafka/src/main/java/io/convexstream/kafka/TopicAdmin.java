package io.convexstream.kafka;

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
  /**
   * The client id of the connection check: it says in one line what failed, so the CLI's logging
   * drops the Kafka client's own ERROR lines about it (log4j2.properties).
   */
  public static final String CHECK_CLIENT_ID = "convexstream-check";

  private TopicAdmin() {}

  /**
   * Fails within about {@code timeout} with one clear line when no Kafka broker answers at {@code
   * bootstrapServers} (a job submitted against it would otherwise retry in a loop of stack traces).
   */
  public static void checkReachable(KafkaConnection kafka, java.time.Duration timeout) {
    int millis = (int) timeout.toMillis();
    String bootstrapServers = kafka.bootstrapServers();
    try (Admin admin = Admin.create(kafka.config(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, CHECK_CLIENT_ID,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis)))) {
      if (admin.describeCluster().nodes().get(millis, TimeUnit.MILLISECONDS).isEmpty()) {
        throw new IllegalStateException("the Kafka cluster at " + bootstrapServers + " has no brokers");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking Kafka at " + bootstrapServers, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.AuthenticationException
          || e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
        throw new IllegalStateException("the Kafka cluster at " + bootstrapServers + " refuses this client: " + e.getCause().getMessage()
            + " (check the client properties: --kafka-config)", e.getCause());
      }
      throw new IllegalStateException("no Kafka broker answers at " + bootstrapServers + " within " + timeout.toSeconds() + " s", e);
    } catch (java.util.concurrent.TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw new IllegalStateException("no Kafka broker answers at " + bootstrapServers + " within " + timeout.toSeconds() + " s", e);
    }
  }

  /**
   * Fails with one line naming what is missing when the client may not read {@code reads} or write
   * {@code writes} (the cluster's authorized operations for it; nothing to check on a cluster without
   * an authorizer): a job started anyway would fail and restart in a loop on the first record.
   */
  public static void checkAccess(KafkaConnection kafka, Collection<Topic> reads, Collection<Topic> writes) {
    Map<String, org.apache.kafka.common.acl.AclOperation> needed = new java.util.LinkedHashMap<>();
    reads.forEach(t -> needed.put(t.topicName(), org.apache.kafka.common.acl.AclOperation.READ));
    writes.forEach(t -> needed.put(t.topicName(), org.apache.kafka.common.acl.AclOperation.WRITE));
    List<String> missing = new ArrayList<>();
    try (Admin admin = Admin.create(kafka.config(Map.of()))) {
      for (var e : needed.entrySet()) {
        Set<org.apache.kafka.common.acl.AclOperation> allowed;
        try {
          allowed = admin.describeTopics(List.of(e.getKey()),
              new org.apache.kafka.clients.admin.DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames()
              .get(30, TimeUnit.SECONDS).get(e.getKey()).authorizedOperations();
        } catch (ExecutionException x) {
          if (x.getCause() instanceof org.apache.kafka.common.errors.TopicAuthorizationException) {
            allowed = Set.of(); // not even visible
          } else if (x.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
            missing.add("topic " + e.getKey() + " (it does not exist)");
            continue;
          } else {
            throw x;
          }
        }
        if (allowed != null && !allowed.contains(e.getValue()) && !allowed.contains(org.apache.kafka.common.acl.AclOperation.ALL)) {
          missing.add(e.getValue() + " " + e.getKey()); // null: a cluster without an authorizer
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking access to " + needed.keySet(), e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot check access to " + needed.keySet() + ": " + e.getMessage(), e);
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the Kafka cluster at " + kafka.bootstrapServers() + " does not let this client " + missing
          + "; grant its user the ACLs it needs (docs/SECURITY.md)");
    }
  }

  /** The id of the Kafka cluster {@code kafka} reaches: the same across restarts and listener ports. */
  public static String clusterId(KafkaConnection kafka) {
    return withAdmin(kafka, "describe the Kafka cluster at " + kafka.bootstrapServers(),
        admin -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
  }

  /** The topics on which consumer group {@code groupId} has committed offsets (none for an unknown group). */
  public static Set<String> topicsWithCommittedOffsets(KafkaConnection kafka, String groupId) {
    return withAdmin(kafka, "read the committed offsets of group " + groupId, admin -> {
      Set<String> topics = new java.util.TreeSet<>();
      admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
          .forEach((partition, offset) -> {
            if (offset != null) {
              topics.add(partition.topic());
            }
          });
      return topics;
    });
  }

  /** Commits {@code offsets} (the next offset to read, per partition) for consumer group {@code groupId}, which must have no active member. */
  public static void commitOffsets(KafkaConnection kafka, String groupId, Map<org.apache.kafka.common.TopicPartition, Long> offsets) {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> commits = new java.util.HashMap<>();
    offsets.forEach((partition, offset) -> commits.put(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(offset)));
    withAdmin(kafka, "commit the offsets of group " + groupId, admin -> admin.alterConsumerGroupOffsets(groupId, commits).all()
        .get(30, TimeUnit.SECONDS));
  }

  /**
   * The transactional ids on the cluster that start with {@code prefix}: a Flink exactly-once sink
   * registers one per subtask and checkpoint, and the broker keeps them for days after the job
   * stopped (transactional.id.expiration.ms), so they show that a job instance wrote here before.
   */
  public static Set<String> transactionalIds(KafkaConnection kafka, String prefix) {
    return withAdmin(kafka, "list the transactions at " + kafka.bootstrapServers(), admin -> {
      Set<String> ids = new java.util.TreeSet<>();
      admin.listTransactions().all().get(30, TimeUnit.SECONDS).forEach(t -> {
        if (t.transactionalId().startsWith(prefix)) {
          ids.add(t.transactionalId());
        }
      });
      return ids;
    });
  }

  /** One request (or a few) on an admin client of its own. */
  private interface AdminCall<T> {
    T on(Admin admin) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException;
  }

  /** Runs {@code call} on a new admin client; a failure says in one line what could not be done ({@code what}) and why. */
  private static <T> T withAdmin(KafkaConnection kafka, String what, AdminCall<T> call) {
    try (Admin admin = Admin.create(kafka.config(Map.of()))) {
      return call.on(admin);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while trying to " + what, e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates {@code topics} with {@code partitions} each (the catalogue default when {@code <= 0}).
   *
   * @return the names of the topics that were newly created
   */
  public static Set<String> create(KafkaConnection kafka, Collection<Topic> topics, int partitions, short replication) {
    int n = partitions > 0 ? partitions : Topic.DEFAULT_PARTITIONS;
    String bootstrapServers = kafka.bootstrapServers();
    try (Admin admin = Admin.create(kafka.config(Map.of()))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic t : topics) {
        if (!existing.contains(t.topicName())) {
          missing.add(new NewTopic(t.topicName(), n, replication).configs(t.configs()));
        }
      }
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
      }
      return missing.stream().map(NewTopic::name).collect(java.util.stream.Collectors.toSet());
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until every partition of the new topics has a leader whose broker holds its log, so
   * producers can use them at once (right after creation a broker may not know the topics yet, and
   * the metadata names a leader a moment before the broker has created the partition, so early
   * writes get NOT_LEADER_OR_FOLLOWER).
   */
  private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Map<String, org.apache.kafka.clients.admin.TopicDescription> descriptions;
      try {
        descriptions = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
          throw e;
        }
        descriptions = Map.of(); // created, but not yet in the metadata this broker answers from
      }
      boolean ready = !descriptions.isEmpty() && descriptions.values().stream()
          .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      if (ready) {
        java.util.Set<Integer> brokers = new java.util.HashSet<>();
        java.util.Set<org.apache.kafka.common.TopicPartition> expected = new java.util.HashSet<>();
        descriptions.values().forEach(d -> d.partitions().forEach(p -> {
          brokers.add(p.leader().id());
          expected.add(new org.apache.kafka.common.TopicPartition(d.name(), p.partition()));
        }));
        java.util.Set<org.apache.kafka.common.TopicPartition> present = new java.util.HashSet<>();
        admin.describeLogDirs(brokers).allDescriptions().get(30, TimeUnit.SECONDS).values()
            .forEach(dirs -> dirs.values().forEach(dir -> present.addAll(dir.replicaInfos().keySet())));
        if (present.containsAll(expected)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("partitions of " + topics + " still without a leader");
      }
      Thread.sleep(50);
    }
  }

  /** Every catalogue topic, default partitions, replication 1 (local use). */
  public static Set<String> createAll(KafkaConnection kafka) {
    return create(kafka, List.of(Topic.values()), Topic.DEFAULT_PARTITIONS, (short) 1);
  }

  /** {@link #createAll(KafkaConnection)} on a cluster that needs no client settings (the in-JVM broker, tests). */
  public static Set<String> createAll(String bootstrapServers) {
    return createAll(KafkaConnection.to(bootstrapServers));
  }
}
