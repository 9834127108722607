package io.convexstream.streams.jobs;

import java.io.Serializable;
import java.time.Duration;
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
 */
public record JobSettings(
    String bootstrapServers,
    String groupId,
    boolean bounded,
    DeliveryGuarantee delivery,
    Duration checkpointInterval,
    int parallelism) implements Serializable {

  public static JobSettings defaults(String bootstrapServers, String groupId) {
    return new JobSettings(bootstrapServers, groupId, false, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofSeconds(2), 2);
  }

  public JobSettings withBounded(boolean b) {
    return new JobSettings(bootstrapServers, groupId, b, delivery, checkpointInterval, parallelism);
  }

  public JobSettings withDelivery(DeliveryGuarantee d) {
    return new JobSettings(bootstrapServers, groupId, bounded, d, checkpointInterval, parallelism);
  }

  public JobSettings withParallelism(int p) {
    return new JobSettings(bootstrapServers, groupId, bounded, delivery, checkpointInterval, p);
  }
}
