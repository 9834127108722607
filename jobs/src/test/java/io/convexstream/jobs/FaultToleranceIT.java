package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.jobs.TestPipelines.Pipeline;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactly-once under failures, for every pipeline: a run whose source task fails three times, each
 * time further into the stream (restoring from the last checkpoint, aborting the open Kafka
 * transactions), publishes to read_committed consumers exactly what a failure-free run publishes:
 * per key the same outputs in the same order, no duplicates, no gaps, the same bytes; and the same
 * dead letters. The failing run keeps its state in RocksDB (incremental checkpoints; oomd-ec, refused
 * there, on the heap), the clean run on the heap: the state backend changes nothing of what is
 * published. One pipeline has 20 000 models kept in blocks.
 */
@Tag("slow")
class FaultToleranceIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  static Stream<Pipeline> pipelines() {
    return TestPipelines.allWithInPlaceState().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void outputsUnderInjectedFailuresEqualTheFailureFreeRun(Pipeline p) throws Exception {
    String bootstrap = STACK.bootstrap();
    TestPipelines.send(bootstrap, p.first());
    TestPipelines.send(bootstrap, p.second());
    // positions to fail at: a third, a half and four fifths into the busiest input partition
    var busiest = TopicClient.endOffsets(bootstrap, p.input()).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    int partition = busiest.getKey().partition();
    long n = busiest.getValue();
    String failures = partition + "@" + n / 3 + "," + partition + "@" + n / 2 + "," + partition + "@" + 4 * n / 5;

    Map<TopicPartition, Long> cleanFrom = TopicClient.endOffsets(bootstrap, p.output());
    Map<TopicPartition, Long> cleanDead = TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS);
    run(p, bootstrap, "clean-" + p.name(), p.options());
    Map<String, List<String>> clean = OutputTopics.perKey(bootstrap, p.output(), cleanFrom);
    Map<String, List<String>> cleanDeadLetters = OutputTopics.deadLetters(bootstrap, p.input(), cleanDead);

    Map<TopicPartition, Long> faultyFrom = TopicClient.endOffsets(bootstrap, p.output());
    Map<TopicPartition, Long> faultyDead = TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS);
    Map<String, String> options = new HashMap<>(p.options());
    options.put(JobOptions.INJECT_FAILURES.key(), failures);
    // stretch the busiest partition over about two seconds, so checkpoints complete between failures
    options.put(JobOptions.INJECT_PAUSE_MICROS.key(), String.valueOf(2_000_000 / n));
    // oomd-ec is refused on RocksDB (its matrices change entirely per update): it fails on the heap,
    // where its matrices are updated in place while checkpoints are taken
    String backend = "oomd-ec".equals(p.options().get("learner")) ? "hashmap" : "rocksdb";
    options.put(JobOptions.STATE_BACKEND.key(), backend);
    JobID faulty = run(p, bootstrap, "faulty-" + p.name(), options);

    assertThat(STACK.flink().rest("/jobs/" + faulty + "/checkpoints/config").get("state_backend").asText())
        .as("state backend of the faulty run").containsIgnoringCase(backend.equals("rocksdb") ? "rocksdb" : "hashmap");
    assertThat(STACK.flink().rest("/jobs/" + faulty + "/checkpoints/config").get("checkpoint_storage").asText())
        .as("checkpoint storage").containsIgnoringCase("FileSystem");
    assertThat(STACK.flink().restarts(faulty)).as("restarts of the faulty run").isEqualTo(3);
    assertThat(STACK.flink().restoredFromCheckpoint(faulty)).as("the last restart restored a checkpoint").isTrue();
    assertThat(clean).isNotEmpty();
    assertThat(OutputTopics.perKey(bootstrap, p.output(), faultyFrom)).isEqualTo(clean);
    assertThat(OutputTopics.deadLetters(bootstrap, p.input(), faultyDead)).isEqualTo(cleanDeadLetters);
  }

  private static JobID run(Pipeline p, String bootstrap, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, p.job(), new JobSettings(bootstrap, group, true, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(200), 2, options));
    JobID id = STACK.flink().submit(env, group);
    STACK.flink().awaitFinished(id, 240_000);
    return id;
  }
}
