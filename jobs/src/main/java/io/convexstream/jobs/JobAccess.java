package io.convexstream.jobs;

import io.convexstream.kafka.Topic;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Kafka ACLs one instance of a job needs and no more: read its input topics, write its output
 * topics and the dead letters, use its consumer group (offsets committed on checkpoints) and the
 * transactional ids of its exactly-once sinks (prefix {@code convexstream-<instance>-}). Read and
 * write imply describe. Creating topics is not in it: operators create them (`topics --strimzi`).
 */
public final class JobAccess {
  private JobAccess() {}

  /** The ACLs of {@code principal} (e.g. "User:convexstream-gradients") running {@code job} with {@code settings}. */
  public static List<AclBinding> acls(String principal, StreamJob job, JobSettings settings) {
    List<AclBinding> acls = new ArrayList<>();
    for (Topic t : job.inputs(settings.options())) {
      acls.add(allow(principal, ResourceType.TOPIC, t.topicName(), PatternType.LITERAL, AclOperation.READ));
    }
    for (Topic t : job.writes()) {
      acls.add(allow(principal, ResourceType.TOPIC, t.topicName(), PatternType.LITERAL, AclOperation.WRITE));
    }
    acls.add(allow(principal, ResourceType.GROUP, settings.groupId(), PatternType.LITERAL, AclOperation.READ));
    acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, settings.transactionalIdPrefix(job.name(), ""), PatternType.PREFIXED,
        AclOperation.WRITE));
    return acls;
  }

  /**
   * The ACLs of user {@code convexstream-<job>} for every job, run by `run` with its defaults (instance
   * and group named after the job); the portfolio job may read bars or ticks.
   */
  public static java.util.Map<String, List<AclBinding>> defaultUsers() {
    java.util.Map<String, List<AclBinding>> users = new java.util.TreeMap<>();
    for (StreamJob job : Jobs.all().values()) {
      String user = "convexstream-" + job.name();
      JobSettings settings = JobSettings.defaults("unused:9092", "convexstream-" + job.name()); // only names matter here
      java.util.Set<AclBinding> acls = new java.util.LinkedHashSet<>(acls("User:" + user, job, settings));
      if (job instanceof PortfolioJob) {
        acls.addAll(acls("User:" + user, job, settings.withOptions(java.util.Map.of("market.input", "ticks"))));
      }
      users.put(user, List.copyOf(acls));
    }
    return users;
  }

  /** The serving view's user: it reads the outputs and keeps its Kafka Streams state under {@code servingId}. */
  public static final String SERVING_USER = "convexstream-serving";
  /** The clients' user: producers write the inputs, readers read the outputs. */
  public static final String CLIENTS_USER = "convexstream-clients";

  /**
   * Every user of a deployment with exactly its ACLs: one per job ({@link #defaultUsers()}), the
   * serving view (reads the outputs, its group, changelogs and internal topics under its application
   * id {@code servingId}) and the clients (write every input, read every output, groups
   * convexstream-python-* and the CLI's readers' convexstream-reader-*).
   */
  public static java.util.Map<String, List<AclBinding>> allUsers(String servingId) {
    java.util.Map<String, List<AclBinding>> users = defaultUsers();
    String serving = "User:" + SERVING_USER;
    String clients = "User:" + CLIENTS_USER;
    List<AclBinding> servingAcls = new ArrayList<>();
    List<AclBinding> clientAcls = new ArrayList<>();
    for (Topic t : Topic.values()) {
      if (t.kind() == Topic.Kind.OUTPUT) {
        servingAcls.add(allow(serving, ResourceType.TOPIC, t.topicName(), PatternType.LITERAL, AclOperation.READ));
        clientAcls.add(allow(clients, ResourceType.TOPIC, t.topicName(), PatternType.LITERAL, AclOperation.READ));
      } else if (t.kind() == Topic.Kind.INPUT) {
        clientAcls.add(allow(clients, ResourceType.TOPIC, t.topicName(), PatternType.LITERAL, AclOperation.WRITE));
      }
    }
    for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE)) { // its changelogs and repartition topics
      servingAcls.add(allow(serving, ResourceType.TOPIC, servingId + "-", PatternType.PREFIXED, op));
    }
    servingAcls.add(allow(serving, ResourceType.GROUP, servingId, PatternType.LITERAL, AclOperation.READ));
    for (String group : List.of("convexstream-python-", io.convexstream.kafka.TopicClient.READER_GROUP_PREFIX)) {
      clientAcls.add(allow(clients, ResourceType.GROUP, group, PatternType.PREFIXED, AclOperation.READ));
    }
    users.put(SERVING_USER, servingAcls);
    users.put(CLIENTS_USER, clientAcls);
    return users;
  }

  /** One ALLOW entry: {@code principal} may do {@code op} on the resource, from any host. */
  public static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
