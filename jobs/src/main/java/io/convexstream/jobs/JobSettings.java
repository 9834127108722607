package io.convexstream.jobs;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * What every job needs to know about its surroundings.
 *
 * @param kafka the Kafka cluster and the client properties for it (security)
 * @param groupId consumer group of the job's sources (offsets are also kept in checkpoints)
 * @param bounded stop at the input offsets that are latest at start (replays, tests) instead of running forever
 * @param delivery Kafka sink guarantee; EXACTLY_ONCE needs checkpoints and makes outputs visible per checkpoint
 * @param checkpointInterval how often to checkpoint
 * @param parallelism default operator parallelism
 * @param options job-specific options (key=value), e.g. the learner and its hyper-parameters
 * @param instance name of this instance of the job (null: the job's name): its sinks' transactional
 *     ids start with it, so two instances of one job can run on one Kafka cluster
 */
public record JobSettings(
    io.convexstream.kafka.KafkaConnection kafka,
    String groupId,
    boolean bounded,
    DeliveryGuarantee delivery,
    Duration checkpointInterval,
    int parallelism,
    Map<String, String> options,
    String instance) implements Serializable {

  public JobSettings {
    options = Map.copyOf(options);
  }

  /** Settings for a cluster that needs no client properties (the in-JVM broker, tests). */
  public JobSettings(String bootstrapServers, String groupId, boolean bounded, DeliveryGuarantee delivery, Duration checkpointInterval,
      int parallelism, Map<String, String> options) {
    this(io.convexstream.kafka.KafkaConnection.to(bootstrapServers), groupId, bounded, delivery, checkpointInterval, parallelism,
        options, null);
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** Transactional-id prefix of the sink writing {@code output} for {@code job}: one per instance and output. */
  public String transactionalIdPrefix(String job, String output) {
    return "convexstream-" + (instance == null ? job : instance) + "-" + output;
  }

  public static JobSettings defaults(String bootstrapServers, String groupId) {
    return new JobSettings(bootstrapServers, groupId, false, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofSeconds(2), 2, Map.of());
  }

  public JobSettings withOptions(Map<String, String> o) {
    return new JobSettings(kafka, groupId, bounded, delivery, checkpointInterval, parallelism, o, instance);
  }

  public String option(String key, String orElse) {
    return options.getOrDefault(key, orElse);
  }
}
