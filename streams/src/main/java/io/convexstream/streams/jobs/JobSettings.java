package io.convexstream.streams.jobs;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * What every job needs to know about its surroundings.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param groupId consumer group of the job's sources (offsets are also kept in checkpoints)
 * @param bounded stop at the input offsets that are latest at start (replays, tests) instead of running forever
 * @param delivery Kafka sink guarantee; EXACTLY_ONCE needs checkpoints and makes outputs visible per checkpoint
 * @param checkpointInterval how often to checkpoint
 * @param parallelism default operator parallelism
 * @param options job-specific options (key=value), e.g. the learner and its hyper-parameters
 */
public record JobSettings(
    String bootstrapServers,
    String groupId,
    boolean bounded,
    DeliveryGuarantee delivery,
    Duration checkpointInterval,
    int parallelism,
    Map<String, String> options) implements Serializable {

  public JobSettings {
    options = Map.copyOf(options);
  }

  public static JobSettings defaults(String bootstrapServers, String groupId) {
    return new JobSettings(bootstrapServers, groupId, false, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofSeconds(2), 2, Map.of());
  }

  public JobSettings withOptions(Map<String, String> o) {
    return new JobSettings(bootstrapServers, groupId, bounded, delivery, checkpointInterval, parallelism, o);
  }

  public String option(String key, String orElse) {
    return options.getOrDefault(key, orElse);
  }
}
