package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end on the embedded broker and a MiniCluster: gradients (good and bad) in, exactly-once
 * parameters and dead letters out, every input accounted for.
 */
class GradientPipelineIT {
  private static final int STEPS = 25;
  private static EmbeddedKafkaBroker broker;
  private static LocalFlinkCluster flink;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    TopicAdmin.createAll(broker.bootstrapServers());
    flink = LocalFlinkCluster.start(0, 4);
  }

  @AfterAll
  static void stop() throws Exception {
    if (flink != null) {
      flink.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static Gradient gradient(String model, long step, double... g) {
    return new Gradient(model, step, "w", new NumericVector(g.length, null, Arrays.stream(g).boxed().toList()), 0.5, null, Instant.ofEpochMilli(1000 * step));
  }

  @Test
  void appliesGoodRecordsExactlyOnceAndDeadLettersTheRest() throws Exception {
    Map<String, List<double[]>> sent = new HashMap<>();
    int bad = 0;
    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      for (int t = 1; t <= STEPS; t++) {
        for (String m : List.of("m-2", "m-3")) {
          int d = m.equals("m-2") ? 2 : 3;
          double[] g = new double[d];
          for (int i = 0; i < d; i++) {
            g[i] = Math.sin(t * (i + 1) + m.length());
          }
          sent.computeIfAbsent(m, k -> new ArrayList<>()).add(g);
          kafka.send(Topic.GRADIENTS, m, gradient(m, t, g));
        }
        if (t == 3) {
          kafka.sendRaw(Topic.GRADIENTS, "m-2", "garbage".getBytes(StandardCharsets.UTF_8));
          byte[] unknown = AvroCodec.of(Gradient.class).encode(gradient("m-2", 99, 1, 1));
          unknown[4] ^= 0x33; // fingerprint of no known schema
          kafka.sendRaw(Topic.GRADIENTS, "m-2", unknown);
          kafka.sendRaw(Topic.GRADIENTS, "m-2", null); // tombstone
          kafka.send(Topic.GRADIENTS, "m-2", gradient("m-2", 100, Double.POSITIVE_INFINITY, 0));
          kafka.send(Topic.GRADIENTS, "m-2", gradient("m-2", 101, 1, 2, 3)); // wrong dimension
          kafka.send(Topic.GRADIENTS, "m-3", gradient("m-3", 3, 0, 0, 0)); // duplicate step
          bad += 6;
        }
      }
      kafka.flush();
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    JobSettings settings = new JobSettings(broker.bootstrapServers(), "it-gradients", true,
        org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(300), 2,
        Map.of("learner", "oomd", "learner.domain", "ball:1", "learner.G", "1"));
    Jobs.prepare(env, LearnerJob.gradients(), settings);
    JobID id = flink.submit(env, "it-gradients");
    flink.awaitFinished(id, 180_000);

    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      int inputs = kafka.readRaw(Topic.GRADIENTS, 2 * STEPS + bad, Duration.ofSeconds(30)).size();
      List<ParameterUpdate> updates = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, 2 * STEPS, Duration.ofSeconds(30));
      List<ConsumerRecord<byte[], byte[]>> dlRaw = kafka.readRaw(Topic.DEAD_LETTERS, bad, Duration.ofSeconds(30));
      List<DeadLetter> dead = dlRaw.stream().map(r -> AvroCodec.of(DeadLetter.class).decode(r.value())).toList();

      // conservation: every input applied or dead-lettered, exactly once
      assertThat(inputs).isEqualTo(2 * STEPS + bad);
      assertThat(updates).hasSize(2 * STEPS);
      assertThat(dead).hasSize(bad);

      // outputs: versions 1..STEPS per model, parameters equal to the core's computation
      Map<String, List<ParameterUpdate>> byModel = updates.stream().collect(Collectors.groupingBy(ParameterUpdate::getModelId));
      for (var e : sent.entrySet()) {
        List<ParameterUpdate> us = byModel.get(e.getKey());
        assertThat(us).extracting(ParameterUpdate::getVersion)
            .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, STEPS).boxed().toList()); // in order, per key
        OnlineLearner core = Learners.create(LearnerConfig.of("oomd", "domain=ball:1", "G=1"), e.getValue().get(0).length);
        for (int t = 0; t < STEPS; t++) {
          core.update(GradientVector.dense(e.getValue().get(t)));
        }
        assertThat(ParameterAssembler.everyVersion(us).get(e.getKey()).get(STEPS - 1).parameters()).isEqualTo(core.decision());
        assertThat(us.get(STEPS - 1).getMetrics()).containsEntry("loss", 0.5);
        // each version carries the event time of the gradient that made it (step t was sent at t seconds)
        assertThat(us).extracting(u -> u.getEventTime().toEpochMilli())
            .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, STEPS).map(t -> 1000 * t).boxed().toList());
      }

      // dead letters: exact reasons, and raw bytes + origin of what was read
      Map<String, String> stageByReasonPrefix = dead.stream()
          .collect(Collectors.toMap(d -> d.getReason().split(":")[0], DeadLetter::getStage));
      assertThat(stageByReasonPrefix).containsOnly(
          Map.entry("not an Avro single-object message", "decode"),
          Map.entry("unknown schema fingerprint", "decode"),
          Map.entry("null value (tombstone) where a Gradient was expected", "decode"),
          Map.entry("gradient has non-finite value Infinity at position 0", "validate"),
          Map.entry("dimension mismatch", "apply"),
          Map.entry("duplicate step 3 of model m-3 from w", "apply"));
      Map<String, ConsumerRecord<byte[], byte[]>> inputByPosition = kafka.readRaw(Topic.GRADIENTS, inputs, Duration.ofSeconds(30)).stream()
          .collect(Collectors.toMap(r -> r.partition() + "@" + r.offset(), Function.identity()));
      for (DeadLetter d : dead) {
        assertThat(d.getSourceTopic()).isEqualTo(Topic.GRADIENTS.topicName());
        assertThat(d.getJob()).isEqualTo("gradients");
        ConsumerRecord<byte[], byte[]> original = inputByPosition.get(d.getPartition() + "@" + d.getOffset());
        assertThat(original).as("origin of " + d.getReason()).isNotNull();
        assertThat(AvroCodec.bytes(d.getKey())).isEqualTo(original.key());
        if (!d.getStage().equals("apply")) {
          assertThat(AvroCodec.bytes(d.getValue())).isEqualTo(original.value());
        } else {
          assertThat(AvroCodec.of(Gradient.class).decode(AvroCodec.bytes(d.getValue())))
              .isEqualTo(AvroCodec.of(Gradient.class).decode(original.value()));
        }
      }
    }
  }

}
