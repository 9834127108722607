package io.convexstream.streams.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.streams.OutputTopics;
import io.convexstream.streams.TestPipelines;
import io.convexstream.streams.TestPipelines.Pipeline;
import io.convexstream.streams.local.LocalFlinkCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactly-once under failures, for every pipeline: a run whose source task fails three times, each
 * time further into the stream (restoring from the last checkpoint, aborting the open Kafka
 * transactions), publishes to read_committed consumers exactly what a failure-free run publishes:
 * per key the same outputs in the same order, no duplicates, no gaps, the same bytes; and the same
 * dead letters.
 */
class FaultToleranceIT {
  private static EmbeddedKafkaBroker broker;
  private static LocalFlinkCluster flink;

  static Stream<Pipeline> pipelines() {
    return TestPipelines.all().stream();
  }

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    flink = LocalFlinkCluster.start(0, 4);
    TopicAdmin.createAll(broker.bootstrapServers());
  }

  @AfterAll
  static void stop() throws Exception {
    flink.close();
    broker.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void outputsUnderInjectedFailuresEqualTheFailureFreeRun(Pipeline p) throws Exception {
    String bootstrap = broker.bootstrapServers();
    TestPipelines.send(bootstrap, p.first());
    TestPipelines.send(bootstrap, p.second());
    // positions to fail at: a third, a half and four fifths into the busiest input partition
    var busiest = OutputTopics.ends(bootstrap, p.input()).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    int partition = busiest.getKey().partition();
    long n = busiest.getValue();
    String failures = partition + "@" + n / 3 + "," + partition + "@" + n / 2 + "," + partition + "@" + 4 * n / 5;

    Map<TopicPartition, Long> cleanFrom = OutputTopics.ends(bootstrap, p.output());
    Map<TopicPartition, Long> cleanDead = OutputTopics.ends(bootstrap, io.convexstream.connectors.kafka.Topic.DEAD_LETTERS);
    run(p, bootstrap, "clean-" + p.name(), p.options());
    Map<String, List<String>> clean = OutputTopics.perKey(bootstrap, p.output(), cleanFrom);
    Map<String, List<String>> cleanDeadLetters = OutputTopics.deadLetters(bootstrap, p.input(), cleanDead);

    Map<TopicPartition, Long> faultyFrom = OutputTopics.ends(bootstrap, p.output());
    Map<TopicPartition, Long> faultyDead = OutputTopics.ends(bootstrap, io.convexstream.connectors.kafka.Topic.DEAD_LETTERS);
    Map<String, String> options = new HashMap<>(p.options());
    options.put(Jobs.INJECT_FAILURES, failures);
    // stretch the busiest partition over about two seconds, so checkpoints complete between failures
    options.put(Jobs.INJECT_PAUSE_MICROS, String.valueOf(2_000_000 / n));
    JobID faulty = run(p, bootstrap, "faulty-" + p.name(), options);

    assertThat(flink.restarts(faulty)).as("restarts of the faulty run").isEqualTo(3);
    assertThat(flink.restoredFromCheckpoint(faulty)).as("the last restart restored a checkpoint").isTrue();
    assertThat(clean).isNotEmpty();
    assertThat(OutputTopics.perKey(bootstrap, p.output(), faultyFrom)).isEqualTo(clean);
    assertThat(OutputTopics.deadLetters(bootstrap, p.input(), faultyDead)).isEqualTo(cleanDeadLetters);
  }

  private static JobID run(Pipeline p, String bootstrap, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, p.job(), new JobSettings(bootstrap, group, true, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(200), 2, options));
    JobID id = flink.submit(env, group);
    flink.awaitFinished(id, 240_000);
    return id;
  }
}
