package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.jobs.TestPipelines.Pipeline;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stop-with-savepoint and restore, for every pipeline. A job reads the first half of its input and
 * is stopped with a savepoint; the second half arrives; the job restarts from the savepoint (at
 * parallelism 1 instead of 2) and is drained. Per key, what the two runs published together equals,
 * byte for byte, what one uninterrupted run over the whole input publishes.
 *
 * <p>State evolution: {@code src/test/resources/savepoints/v1/<pipeline>} holds savepoints that the
 * first half produced with the previous state classes (commit b3467a6, before {@code
 * ModelProgress.rejected}, {@code BalancerState.lateReports} and {@code Backtest}'s peak wealth
 * were added; regenerate with {@link #main} when the state classes change next). Restoring them
 * with today's classes continues every learner exactly where it stopped.
 */
@Tag("slow")
class SavepointIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);

  static Stream<Pipeline> pipelines() {
    return TestPipelines.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void stopWithSavepointAndRestartAtAnotherParallelismContinuesExactly(Pipeline p) throws Exception {
    String bootstrap = STACK.bootstrap();
    Path dir = Files.createTempDirectory("savepoints");
    Map<TopicPartition, Long> outFrom = TopicClient.endOffsets(bootstrap, p.output());
    TestPipelines.send(bootstrap, p.first());
    String savepoint = firstHalf(p, bootstrap, "sp-" + p.name(), dir);
    TestPipelines.send(bootstrap, p.second());
    secondHalf(p, bootstrap, savepoint, 1, dir);
    Map<String, List<String>> interrupted = OutputTopics.perKey(bootstrap, p.output(), outFrom);

    Map<String, List<String>> whole = uninterrupted(p, bootstrap, "whole-" + p.name(), false);
    assertThat(interrupted.keySet()).isNotEmpty();
    assertThat(interrupted).isEqualTo(whole);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void savepointOfThePreviousStateVersionRestores(Pipeline p) throws Exception {
    // a broker of its own: the savepoint's source offsets refer to a topic holding just this input
    try (EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start()) {
      String bootstrap = own.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      Path dir = Files.createTempDirectory("savepoints");
      Path v1 = copyResource("savepoints/v1/" + p.name(), dir.resolve("v1"));
      TestPipelines.send(bootstrap, p.first());
      TestPipelines.send(bootstrap, p.second());
      Map<TopicPartition, Long> outFrom = TopicClient.endOffsets(bootstrap, p.output());
      secondHalf(p, bootstrap, v1.toUri().toString(), 2, dir);
      // the old state has no run epoch (0); everything else is the same bytes
      Map<String, List<String>> restored = OutputTopics.perKeyIgnoringRunEpoch(bootstrap, p.output(), outFrom);

      Map<String, List<String>> whole = uninterrupted(p, bootstrap, "whole-" + p.name(), true);
      assertThat(restored.keySet()).isNotEmpty().isEqualTo(whole.keySet());
      // what the restored job publishes is the tail of the uninterrupted run's sequence, per key
      restored.forEach((key, tail) -> {
        List<String> all = whole.get(key);
        assertThat(tail).isNotEmpty().hasSizeLessThan(all.size());
        assertSameTail(p.output(), key, tail, all.subList(all.size() - tail.size(), all.size()));
      });
    }
  }

  /**
   * The same outputs; parameters up to 1e-9 relative: the fixture's state was computed by an earlier
   * release, whose adaptive step sizes summed ‖g − M‖² as ‖g‖² + ‖M‖² − 2⟨g, M⟩ (last bits differ).
   */
  private static void assertSameTail(Topic output, String key, List<String> tail, List<String> expected) {
    if (output == Topic.PORTFOLIO_DECISIONS) {
      assertSameDecisionsOfStrategies(key, tail, expected);
      return;
    }
    if (output != Topic.PARAMETERS) {
      assertThat(tail).as(key).isEqualTo(expected);
      return;
    }
    assertThat(tail).as(key).hasSameSizeAs(expected);
    var codec = io.convexstream.schemas.codec.AvroCodec.of(io.convexstream.schemas.ParameterUpdate.class);
    for (int n = 0; n < tail.size(); n++) {
      final int i = n;
      var a = codec.decode(java.util.HexFormat.of().parseHex(tail.get(i)));
      var b = codec.decode(java.util.HexFormat.of().parseHex(expected.get(i)));
      assertThat(List.of(a.getModelId(), a.getVersion(), a.getStep(), a.getBaseVersion(), a.getChunk(), a.getChunks()))
          .as("%s #%d", key, i).isEqualTo(List.of(b.getModelId(), b.getVersion(), b.getStep(), b.getBaseVersion(), b.getChunk(), b.getChunks()));
      Map<Integer, Double> va = new java.util.TreeMap<>();
      Map<Integer, Double> vb = new java.util.TreeMap<>();
      io.convexstream.schemas.publication.PackedVectors.forEach(io.convexstream.schemas.publication.PackedVectors.of(a), va::put);
      io.convexstream.schemas.publication.PackedVectors.forEach(io.convexstream.schemas.publication.PackedVectors.of(b), vb::put);
      assertThat(va.keySet()).as("%s #%d coordinates", key, i).isEqualTo(vb.keySet());
      va.forEach((c, x) -> assertThat(x).as("%s #%d x[%d]", key, i, c).isCloseTo(vb.get(c), org.assertj.core.api.Assertions.within(1e-9 * (1 + Math.abs(x)))));
      assertThat(a.getMetrics().keySet()).isEqualTo(b.getMetrics().keySet());
      a.getMetrics().forEach((m, x) -> assertThat(x).as("%s #%d %s", key, i, m)
          .isCloseTo(b.getMetrics().get(m), org.assertj.core.api.Assertions.within(1e-9 * (1 + Math.abs(x)))));
    }
  }

  /**
   * The strategies' decisions are the same, but for their risk figures: a book saved before it kept
   * them counts them from the restore, so the restored decisions carry figures of their own (those
   * that need a few periods appear later). A combiner saved before it followed its components net of their own costs
   * continues with gross returns (Combiner), so today's uninterrupted run, net from the start,
   * differs: its restored tail is checked to be the same periods, on the simplex.
   */
  private static void assertSameDecisionsOfStrategies(String key, List<String> tail, List<String> expected) {
    var codec = io.convexstream.schemas.codec.AvroCodec.of(io.convexstream.schemas.PortfolioDecision.class);
    java.util.function.Function<List<String>, Map<Boolean, List<io.convexstream.schemas.PortfolioDecision>>> split = hex -> hex.stream()
        .map(h -> codec.decode(java.util.HexFormat.of().parseHex(h)))
        .collect(java.util.stream.Collectors.partitioningBy(d -> d.getStrategy().toString().endsWith("-combiner")));
    var restored = split.apply(tail);
    var whole = split.apply(expected);
    assertThat(restored.get(false)).as(key).isNotEmpty().hasSameSizeAs(whole.get(false));
    for (int i = 0; i < restored.get(false).size(); i++) {
      var a = io.convexstream.schemas.PortfolioDecision.newBuilder(restored.get(false).get(i));
      var b = io.convexstream.schemas.PortfolioDecision.newBuilder(whole.get(false).get(i));
      assertThat(a.getRisk()).as("%s #%d risk figures", key, i).containsKeys("costsPaid", "maxDrawdown", "maxDrawdownPeriods");
      assertThat(b.getRisk().keySet()).as("%s #%d risk figures", key, i).containsAll(a.getRisk().keySet());
      assertThat(a.setRisk(Map.of()).build()).as("%s #%d", key, i).isEqualTo(b.setRisk(Map.of()).build());
    }
    assertThat(restored.get(true)).as(key).isNotEmpty().hasSameSizeAs(whole.get(true));
    for (int i = 0; i < restored.get(true).size(); i++) {
      var a = restored.get(true).get(i);
      assertThat(a.getPeriod()).isEqualTo(whole.get(true).get(i).getPeriod());
      assertThat(a.getWeights().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-9));
    }
  }

  /** Runs the job over the first half (parallelism 2) and stops it with a savepoint once a checkpoint holds all of it. */
  static String firstHalf(Pipeline p, String bootstrap, String group, Path dir) throws Exception {
    long expected = p.first().size();
    JobID id = STACK.flink().submit(env(p, bootstrap, group, 2, false), group);
    STACK.flink().awaitRunning(id, 60_000);
    awaitCommitted(bootstrap, group, p.input(), expected);
    return STACK.flink().stopWithSavepoint(id, dir.toUri().toString(), false);
  }

  /** Restores {@code savepoint} at {@code parallelism}, waits until a checkpoint holds all input, and drains. */
  private static void secondHalf(Pipeline p, String bootstrap, String savepoint, int parallelism, Path dir) throws Exception {
    String group = "sp-" + p.name();
    JobID id = STACK.flink().submit(env(p, bootstrap, group, parallelism, false), group + "-restored", savepoint);
    STACK.flink().awaitRunning(id, 60_000);
    awaitCommitted(bootstrap, group, p.input(), p.first().size() + p.second().size());
    STACK.flink().stopWithSavepoint(id, dir.toUri().toString(), true);
  }

  private static Map<String, List<String>> uninterrupted(Pipeline p, String bootstrap, String group, boolean ignoreRunEpoch) throws Exception {
    Map<TopicPartition, Long> from = TopicClient.endOffsets(bootstrap, p.output());
    JobID id = STACK.flink().submit(env(p, bootstrap, group, 2, true), group);
    STACK.flink().awaitFinished(id, 180_000);
    return ignoreRunEpoch ? OutputTopics.perKeyIgnoringRunEpoch(bootstrap, p.output(), from) : OutputTopics.perKey(bootstrap, p.output(), from);
  }

  private static StreamExecutionEnvironment env(Pipeline p, String bootstrap, String group, int parallelism, boolean bounded) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, p.job(), new JobSettings(bootstrap, group, bounded, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), parallelism, p.options()));
    return env;
  }

  /** Waits until the group's committed offsets (committed when a checkpoint completes) cover {@code total} records. */
  private static void awaitCommitted(String bootstrap, String group, Topic topic, long total) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      long deadline = System.currentTimeMillis() + 120_000;
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long sum = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic.topicName()) && e.getValue() != null)
            .mapToLong(e -> e.getValue().offset()).sum();
        if (sum >= total) {
          return;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("group " + group + " committed " + sum + " of " + total + " records");
        }
        Thread.sleep(100);
      }
    }
  }

  private static Path copyResource(String resource, Path to) throws IOException {
    Path from;
    try {
      from = Path.of(SavepointIT.class.getClassLoader().getResource(resource).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      files.forEach(f -> {
        try {
          Files.copy(f, to.resolve(f.getFileName()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return to;
  }

  /**
   * Writes each pipeline's first-half savepoint to {@code args[0]/<pipeline>} (flat: _metadata and
   * any state files), to check in as the next state-version fixture.
   */
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    STACK.beforeAll(null); // outside JUnit: the same cluster, started by hand
    try {
      for (Pipeline p : pipelines().toList()) {
        try (EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start()) {
          String bootstrap = own.bootstrapServers();
          TopicAdmin.createAll(bootstrap);
          TestPipelines.send(bootstrap, p.first());
          Path dir = Files.createTempDirectory("fixture");
          Path savepoint = Path.of(java.net.URI.create(firstHalf(p, bootstrap, "sp-" + p.name(), dir)));
          Path target = Files.createDirectories(out.resolve(p.name()));
          try (Stream<Path> files = Files.list(savepoint)) {
            for (Path f : files.toList()) {
              Files.copy(f, target.resolve(f.getFileName()));
            }
          }
          System.out.println(p.name() + ": " + savepoint + " -> " + target);
        }
      }
    } finally {
      STACK.afterAll(null);
    }
  }
}
