package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.ClickStream;
import io.convexstream.kafka.recording.Recorder;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.Prediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning loop end to end: click streams ({@link ClickStream}: named features, random delays,
 * lost labels, a change of the hidden model halfway) and two bad records through the job; a run with failures injected on RocksDB and a replay of
 * the recording publish the same predictions, parameters, champion decisions and dead letters, per
 * key and byte for byte, as the failure-free live run (predictions and parameters leave in the same
 * transactions).
 */
class LearningLoopIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  private static final List<Topic> OUTPUTS = List.of(Topic.PREDICTIONS, Topic.PARAMETERS, Topic.CHAMPIONS);
  /** ctr-b has learners of its own (one more than ctr-a's). */
  private static final Map<String, String> OPTIONS = Map.of("learners", "ftrl;ftrl.alpha=0.02,ftrl;ftrl.alpha=0.5",
      "learners.ctr-b", "ftrl;ftrl.alpha=0.02,ogd;G=4,adagrad", "features.dim", "4096", "feedback.maxDelay", "60 s", "outOfOrder", "90 s",
      "champion.window", "5 min", "champion.minJoined", "20");

  /** Two click streams (impressions a second apart, outcomes 1–70 s later or lost, 20 %) and two bad feedback records. */
  private static void send(String bootstrap) {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (String model : List.of("ctr-a", "ctr-b")) {
        ClickStream s = ClickStream.generate(model, 1500, t0, 1000, 1000, 71_000, 0.2, model.hashCode());
        s.events().forEach(e -> kafka.send(Topic.EVENTS, model, e));
        s.feedback().forEach(f -> kafka.send(Topic.FEEDBACK, model, f));
      }
      kafka.sendRaw(Topic.FEEDBACK, "ctr-a", "not avro".getBytes(StandardCharsets.UTF_8));
      kafka.send(Topic.FEEDBACK, "ctr-a", new Feedback("ctr-a", "ctr-a-3", Double.NaN, 1.0, t0.plusSeconds(4000)));
      kafka.flush();
    }
  }

  @Test
  void aReplayAndARunWithFailuresPublishWhatTheLiveRunPublished(@TempDir Path dir) throws Exception {
    String bootstrap = STACK.bootstrap();
    send(bootstrap);
    Outputs live = Outputs.from(bootstrap);
    run(bootstrap, "loop-live", OPTIONS);
    Map<Topic, Map<String, List<String>>> expected = live.perKey(bootstrap);
    Map<String, List<String>> expectedDead = live.deadLetters(bootstrap);
    assertThat(expected.get(Topic.PREDICTIONS).values().stream().mapToInt(List::size).sum()).isEqualTo(3000);
    assertThat(expected.get(Topic.CHAMPIONS)).isNotEmpty();
    assertThat(expectedDead.values().stream().mapToInt(List::size).sum()).isGreaterThanOrEqualTo(2);
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      int windows = expected.get(Topic.CHAMPIONS).values().stream().mapToInt(List::size).sum();
      List<ChampionDecision> decisions = kafka.read(Topic.CHAMPIONS, ChampionDecision.class, windows, Duration.ofSeconds(30));
      assertThat(decisions).filteredOn(d -> d.getModelId().equals("ctr-a"))
          .isNotEmpty().allSatisfy(d -> assertThat(d.getLearners()).containsExactly("ftrl#0", "ftrl#1"));
      assertThat(decisions).filteredOn(d -> d.getModelId().equals("ctr-b"))
          .isNotEmpty().allSatisfy(d -> assertThat(d.getLearners()).containsExactly("ftrl", "ogd", "adagrad"));
      assertThat(decisions).anySatisfy(d -> assertThat(d.getPromoted()).isTrue());
      List<Prediction> predictions = kafka.read(Topic.PREDICTIONS, Prediction.class, 10, Duration.ofSeconds(30));
      assertThat(predictions).allSatisfy(p -> assertThat(p.getProbability()).isBetween(0.0, 1.0));
    }

    // failures injected at a third, a half and four fifths of the events' busiest partition, on RocksDB
    var busiest = TopicClient.endOffsets(bootstrap, Topic.EVENTS).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    int partition = busiest.getKey().partition();
    long n = busiest.getValue();
    Map<String, String> faultyOptions = new HashMap<>(OPTIONS);
    faultyOptions.put(JobOptions.INJECT_FAILURES.key(), partition + "@" + n / 3 + "," + partition + "@" + n / 2 + "," + partition + "@" + 4 * n / 5);
    faultyOptions.put(JobOptions.INJECT_PAUSE_MICROS.key(), String.valueOf(2_000_000 / n));
    faultyOptions.put(JobOptions.STATE_BACKEND.key(), "rocksdb");
    Outputs faulty = Outputs.from(bootstrap);
    JobID id = run(bootstrap, "loop-faulty", faultyOptions);
    assertThat(STACK.flink().restarts(id)).as("restarts of the faulty run").isGreaterThanOrEqualTo(3);
    assertThat(faulty.perKey(bootstrap)).isEqualTo(expected);
    assertThat(faulty.deadLetters(bootstrap)).isEqualTo(expectedDead);

    // the recording of both inputs, straight into the job
    Recorder.record(bootstrap, List.of(Topic.EVENTS.topicName(), Topic.FEEDBACK.topicName()), dir, Duration.ofSeconds(60));
    Map<String, String> replayOptions = new HashMap<>(OPTIONS);
    replayOptions.put(JobOptions.REPLAY_DIR.key(), dir.toString());
    Outputs replay = Outputs.from(bootstrap);
    run(bootstrap, "loop-replay", replayOptions);
    assertThat(replay.perKey(bootstrap)).isEqualTo(expected);
    assertThat(replay.deadLetters(bootstrap)).isEqualTo(expectedDead);
  }

  /** Where each output topic and the dead letters ended before a run. */
  private record Outputs(Map<Topic, Map<TopicPartition, Long>> from, Map<TopicPartition, Long> dead) {
    static Outputs from(String bootstrap) {
      Map<Topic, Map<TopicPartition, Long>> from = new HashMap<>();
      for (Topic t : OUTPUTS) {
        from.put(t, TopicClient.endOffsets(bootstrap, t));
      }
      return new Outputs(from, TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS));
    }

    Map<Topic, Map<String, List<String>>> perKey(String bootstrap) {
      Map<Topic, Map<String, List<String>>> out = new HashMap<>();
      for (Topic t : OUTPUTS) {
        out.put(t, OutputTopics.perKey(bootstrap, t, from.get(t)));
      }
      return out;
    }

    Map<String, List<String>> deadLetters(String bootstrap) {
      Map<String, List<String>> all = new TreeMap<>(OutputTopics.deadLetters(bootstrap, Topic.EVENTS, dead));
      OutputTopics.deadLetters(bootstrap, Topic.FEEDBACK, dead).forEach((k, v) -> all.put("feedback " + k, v));
      all.values().forEach(v -> v.sort(Comparator.naturalOrder()));
      return all;
    }
  }

  private static JobID run(String bootstrap, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, new LearningLoopJob(), new JobSettings(bootstrap, group, true, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(200),
        2, options));
    JobID id = STACK.flink().submit(env, group);
    STACK.flink().awaitFinished(id, 240_000);
    return id;
  }
}
