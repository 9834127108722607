package io.convexstream.jobs;

import io.convexstream.connectors.kafka.Topic;
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

  /** One ALLOW entry: {@code principal} may do {@code op} on the resource, from any host. */
  public static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
