package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records too large for Kafka: an input the topics cannot take is refused at the producer with the
 * limit named; an output too large is dead-lettered with its reason while the job goes on (left to
 * the sink, it would fail it, restart, and fail again forever).
 */
class MessageSizeIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  private static Gradient gradient(String model, long step, int dim) {
    return new Gradient(model, step, "w", new NumericVector(dim, null, Collections.nCopies(dim, 0.01)), null, null, Instant.EPOCH);
  }

  @Test
  void anInputOverTheLimitIsRefusedWithTheLimitNamed() {
    int dim = Topic.MAX_MESSAGE_BYTES / 8 + 1; // one double more than a message holds
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      kafka.send(Topic.GRADIENTS, "huge", gradient("huge", 1, dim));
      assertThatThrownBy(kafka::flush).hasMessageContaining("max.request.size");
    }
  }

  /**
   * Parameters larger than a message go out in chunks (nothing lost, nothing dead-lettered); an
   * output that cannot fit (here: a model id longer than the limit) is dead-lettered with its reason
   * while the job goes on.
   */
  @Test
  void largeParametersGoOutInChunksAnOutputThatCannotFitIsDeadLettered() throws Exception {
    String bootstrap = STACK.bootstrap();
    var outFrom = TopicClient.endOffsets(bootstrap, Topic.PARAMETERS);
    var deadFrom = TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS);
    String longId = "x".repeat(25_000); // in the key and the value: over 20 480 bytes whatever the parameters
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (long t = 1; t <= 5; t++) {
        kafka.send(Topic.GRADIENTS, "small", gradient("small", t, 4));
      }
      for (long t = 1; t <= 3; t++) {
        kafka.send(Topic.GRADIENTS, "big", gradient("big", t, 1000)); // 8 kB of parameters: two chunks of 4 kB
        kafka.send(Topic.GRADIENTS, longId, gradient(longId, t, 2));
      }
      kafka.flush();
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, LearnerJob.gradients(), new JobSettings(bootstrap, "it-message-size", true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), 2, Map.of("output.maxBytes", "20480", "publish.chunkBytes", "4096")));
    JobID id = STACK.flink().submit(env, "it-message-size");
    STACK.flink().awaitFinished(id, 120_000);
    assertThat(STACK.flink().restarts(id)).isZero();

    var published = io.convexstream.jobs.OutputTopics.perKey(bootstrap, Topic.PARAMETERS, outFrom);
    assertThat(published).containsOnlyKeys("small", "big");
    assertThat(published.get("small")).hasSize(5);
    assertThat(published.get("big")).hasSize(6);
    List<ParameterUpdate> big;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      big = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("big"), 6, Duration.ofSeconds(30));
    }
    assertThat(big).extracting(ParameterUpdate::getChunk).containsExactly(0, 1, 0, 1, 0, 1);
    var core = io.convexstream.core.learn.Learners.create(io.convexstream.core.learn.LearnerConfig.of("oomd"), 1000);
    for (int t = 1; t <= 3; t++) {
      core.update(io.convexstream.core.linalg.GradientVector.dense(gradient("big", t, 1000).getGradient().getValues().stream()
          .mapToDouble(Double::doubleValue).toArray()));
    }
    assertThat(ParameterAssembler.everyVersion(big).get("big").get(2).parameters()).isEqualTo(core.decision());
    List<DeadLetter> dead;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      dead = kafka.read(Topic.DEAD_LETTERS, DeadLetter.class, d -> d.getSourceTopic().equals(Topic.PARAMETERS.topicName()), 3,
          Duration.ofSeconds(30));
    }
    assertThat(dead).hasSize(3).allSatisfy(d -> {
      assertThat(d.getStage()).isEqualTo("publish");
      assertThat(d.getReason()).startsWith("output for key " + longId.substring(0, 10)).contains("over output.maxBytes = 20480");
    });
    assertThat(TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS)).isNotEqualTo(deadFrom);
  }

  @Test
  void aChunkSizeWithoutRoomBelowTheOutputLimitIsRefusedBeforeTheJobStarts() {
    assertThatThrownBy(() -> LearnerJob.gradients().settings(Map.of("output.maxBytes", "20480", "publish.chunkBytes", "8192")))
        .hasMessageContaining("publish.chunkBytes 8192 leaves less than 16384 bytes below output.maxBytes 20480");
  }
}
