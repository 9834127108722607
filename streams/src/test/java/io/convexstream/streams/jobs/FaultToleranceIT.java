package io.convexstream.streams.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.streams.OutputTopics;
import io.convexstream.streams.local.LocalFlinkCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once under failures: a run whose source task fails three times, each time further into
 * the stream (restoring from the last checkpoint, aborting the open Kafka transactions), publishes
 * to read_committed consumers exactly what a failure-free run publishes: per model the same
 * versions 1..n, no duplicates, no gaps, the same bytes; and the same dead letters.
 */
class FaultToleranceIT {
  @Test
  void outputsUnderInjectedFailuresEqualTheFailureFreeRun() throws Exception {
    int steps = 1200;
    List<String> models = List.of("a", "b", "c", "d");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 4)) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      SplittableRandom r = new SplittableRandom(21);
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (int step = 1; step <= steps; step++) {
          for (String model : models) {
            List<Double> g = IntStream.range(0, 8).mapToObj(i -> r.nextGaussian()).toList();
            kafka.send(Topic.GRADIENTS, model, new Gradient(model, (long) step, "w", new NumericVector(8, null, g), 0.5, null,
                Instant.ofEpochMilli(step)));
          }
          if (step % 400 == 0) {
            kafka.sendRaw(Topic.GRADIENTS, "a", "garbage".getBytes(StandardCharsets.UTF_8));
          }
        }
        kafka.flush();
      }
      // positions to fail at: a third, a half and four fifths into the busiest input partition
      Map<TopicPartition, Long> inputEnds = OutputTopics.ends(bootstrap, Topic.GRADIENTS);
      var busiest = inputEnds.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
      int p = busiest.getKey().partition();
      long n = busiest.getValue();
      String failures = p + "@" + n / 3 + "," + p + "@" + n / 2 + "," + p + "@" + 4 * n / 5;
      Map<String, String> options = Map.of("learner", "oomd", "learner.domain", "ball:1", "learner.G", "3", "emitEvery", "1");

      Map<TopicPartition, Long> cleanFrom = OutputTopics.ends(bootstrap, Topic.PARAMETERS);
      Map<TopicPartition, Long> cleanDead = OutputTopics.ends(bootstrap, Topic.DEAD_LETTERS);
      run(flink, bootstrap, "clean", options);
      Map<String, List<String>> clean = OutputTopics.perKey(bootstrap, Topic.PARAMETERS, cleanFrom);
      Map<String, List<String>> cleanDeadLetters = OutputTopics.deadLetters(bootstrap, Topic.GRADIENTS, cleanDead);

      Map<TopicPartition, Long> faultyFrom = OutputTopics.ends(bootstrap, Topic.PARAMETERS);
      Map<TopicPartition, Long> faultyDead = OutputTopics.ends(bootstrap, Topic.DEAD_LETTERS);
      Map<String, String> faultyOptions = new HashMap<>(options);
      faultyOptions.put(Jobs.INJECT_FAILURES, failures);
      faultyOptions.put(Jobs.INJECT_PAUSE_MICROS, "1000");
      JobID faulty = run(flink, bootstrap, "faulty", faultyOptions);
      Map<String, List<String>> withFailures = OutputTopics.perKey(bootstrap, Topic.PARAMETERS, faultyFrom);

      assertThat(flink.restarts(faulty)).as("restarts of the faulty run").isEqualTo(3);
      assertThat(flink.restoredFromCheckpoint(faulty)).as("the last restart restored a checkpoint").isTrue();
      assertThat(clean.keySet()).containsExactlyInAnyOrderElementsOf(models);
      assertThat(clean.values()).allSatisfy(v -> assertThat(v).hasSize(steps));
      assertThat(withFailures).isEqualTo(clean);
      assertThat(OutputTopics.deadLetters(bootstrap, Topic.GRADIENTS, faultyDead)).isEqualTo(cleanDeadLetters).hasSize(3);
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        List<ParameterUpdate> all = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("a"), 2 * steps,
            Duration.ofSeconds(30));
        assertThat(all.subList(steps, 2 * steps)).extracting(ParameterUpdate::getVersion)
            .containsExactlyElementsOf(IntStream.rangeClosed(1, steps).mapToObj(Long::valueOf).toList());
      }
    }
  }

  private static JobID run(LocalFlinkCluster flink, String bootstrap, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, LearnerJob.gradients(), new JobSettings(bootstrap, group, true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(200), 2, options));
    JobID id = flink.submit(env, group);
    flink.awaitFinished(id, 240_000);
    return id;
  }
}
