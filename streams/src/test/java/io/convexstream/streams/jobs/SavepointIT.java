package io.convexstream.streams.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.connectors.marketdata.MarketBars;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.streams.OutputTopics;
import io.convexstream.streams.local.LocalFlinkCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * were added; regenerate with {@link #main} when the state classes change next). Restoring them with today's classes continues every learner exactly where it stopped.
 */
class SavepointIT {
  private static EmbeddedKafkaBroker broker;
  private static LocalFlinkCluster flink;

  /** A pipeline: its job and options, and its input in two halves (key, value bytes). */
  record Pipeline(String name, StreamJob job, Map<String, String> options, Topic input, Topic output,
      List<Map.Entry<String, byte[]>> first, List<Map.Entry<String, byte[]>> second) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Pipeline> pipelines() {
    return Stream.of(gradients(), routerLoads(), portfolio());
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
  void stopWithSavepointAndRestartAtAnotherParallelismContinuesExactly(Pipeline p) throws Exception {
    String bootstrap = broker.bootstrapServers();
    Path dir = Files.createTempDirectory("savepoints");
    Map<TopicPartition, Long> outFrom = OutputTopics.ends(bootstrap, p.output());
    send(bootstrap, p.first());
    String savepoint = firstHalf(p, bootstrap, "sp-" + p.name(), dir);
    send(bootstrap, p.second());
    secondHalf(p, bootstrap, savepoint, 1, dir);
    Map<String, List<String>> interrupted = OutputTopics.perKey(bootstrap, p.output(), outFrom);

    Map<String, List<String>> whole = uninterrupted(p, bootstrap, "whole-" + p.name());
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
      send(bootstrap, p.first());
      send(bootstrap, p.second());
      Map<TopicPartition, Long> outFrom = OutputTopics.ends(bootstrap, p.output());
      secondHalf(p, bootstrap, v1.toUri().toString(), 2, dir);
      Map<String, List<String>> restored = OutputTopics.perKey(bootstrap, p.output(), outFrom);

      Map<String, List<String>> whole = uninterrupted(p, bootstrap, "whole-" + p.name());
      assertThat(restored.keySet()).isNotEmpty().isEqualTo(whole.keySet());
      // what the restored job publishes is the tail of the uninterrupted run's sequence, per key
      restored.forEach((key, tail) -> {
        List<String> all = whole.get(key);
        assertThat(tail).isNotEmpty().hasSizeLessThan(all.size());
        assertThat(tail).as(key).isEqualTo(all.subList(all.size() - tail.size(), all.size()));
      });
    }
  }

  /** Runs the job over the first half (parallelism 2) and stops it with a savepoint once a checkpoint holds all of it. */
  static String firstHalf(Pipeline p, String bootstrap, String group, Path dir) throws Exception {
    long expected = p.first().size();
    JobID id = flink.submit(env(p, bootstrap, group, 2, false), group);
    flink.awaitRunning(id, 60_000);
    awaitCommitted(bootstrap, group, p.input(), expected);
    return flink.stopWithSavepoint(id, dir.toUri().toString(), false);
  }

  /** Restores {@code savepoint} at {@code parallelism}, waits until a checkpoint holds all input, and drains. */
  private static void secondHalf(Pipeline p, String bootstrap, String savepoint, int parallelism, Path dir) throws Exception {
    String group = "sp-" + p.name();
    JobID id = flink.submit(env(p, bootstrap, group, parallelism, false), group + "-restored", savepoint);
    flink.awaitRunning(id, 60_000);
    awaitCommitted(bootstrap, group, p.input(), p.first().size() + p.second().size());
    flink.stopWithSavepoint(id, dir.toUri().toString(), true);
  }

  private static Map<String, List<String>> uninterrupted(Pipeline p, String bootstrap, String group) throws Exception {
    Map<TopicPartition, Long> from = OutputTopics.ends(bootstrap, p.output());
    JobID id = flink.submit(env(p, bootstrap, group, 2, true), group);
    flink.awaitFinished(id, 180_000);
    return OutputTopics.perKey(bootstrap, p.output(), from);
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

  private static void send(String bootstrap, List<Map.Entry<String, byte[]>> records) {
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (Map.Entry<String, byte[]> r : records) {
        kafka.sendRaw(topicOf(r), r.getKey().substring(r.getKey().indexOf('|') + 1), r.getValue());
      }
      kafka.flush();
    }
  }

  // entries are keyed "topic|key" so one list can feed any pipeline
  private static Topic topicOf(Map.Entry<String, byte[]> r) {
    String name = r.getKey().substring(0, r.getKey().indexOf('|'));
    return Stream.of(Topic.values()).filter(t -> t.topicName().equals(name)).findFirst().orElseThrow();
  }

  private static <T extends SpecificRecord> Map.Entry<String, byte[]> entry(Topic topic, String key, T value) {
    @SuppressWarnings("unchecked")
    AvroCodec<T> codec = AvroCodec.of((Class<T>) value.getClass());
    return Map.entry(topic.topicName() + "|" + key, codec.encode(value));
  }

  static Pipeline gradients() {
    SplittableRandom r = new SplittableRandom(31);
    List<Map.Entry<String, byte[]>> first = new ArrayList<>();
    List<Map.Entry<String, byte[]>> second = new ArrayList<>();
    for (int step = 1; step <= 300; step++) {
      for (String model : List.of("a", "b", "c", "d")) {
        List<Double> g = IntStream.range(0, 6).mapToObj(i -> r.nextGaussian()).toList();
        (step <= 150 ? first : second).add(entry(Topic.GRADIENTS, model,
            new Gradient(model, (long) step, "w", new NumericVector(6, null, g), 0.5, null, Instant.ofEpochMilli(step))));
      }
    }
    first.add(Map.entry(Topic.GRADIENTS.topicName() + "|a", "garbage".getBytes(StandardCharsets.UTF_8)));
    return new Pipeline("gradients", LearnerJob.gradients(),
        Map.of("learner", "oomd", "learner.domain", "ball:1", "learner.G", "3", "emitEvery", "1"),
        Topic.GRADIENTS, Topic.PARAMETERS, first, second);
  }

  static Pipeline routerLoads() {
    SplittableRandom r = new SplittableRandom(32);
    List<Map.Entry<String, byte[]>> first = new ArrayList<>();
    List<Map.Entry<String, byte[]>> second = new ArrayList<>();
    for (int step = 1; step <= 100; step++) {
      for (int layer = 0; layer < 3; layer++) {
        for (int rank = 0; rank < 2; rank++) {
          List<Long> loads = IntStream.range(0, 8).mapToObj(e -> (long) r.nextInt(100)).toList();
          (step <= 50 ? first : second).add(entry(Topic.ROUTER_LOADS, "m/" + layer,
              new RouterLoadReport("m", layer, (long) step, rank, 2, loads, -1L, Instant.ofEpochMilli(step))));
        }
      }
    }
    return new Pipeline("router-loads", BalancerJob.loadReports(), Map.of("rate", "1e-2"),
        Topic.ROUTER_LOADS, Topic.EXPERT_BIASES, first, second);
  }

  static Pipeline portfolio() {
    // assets on every partition: a partition without bars would hold the watermark back, so
    // periods would close only when the input ends and the savepoint would hold no closed period
    List<String> assets = new ArrayList<>();
    java.util.Set<Integer> partitions = new java.util.HashSet<>();
    for (int i = 0; partitions.size() < Topic.DEFAULT_PARTITIONS; i++) {
      String name = "S" + i;
      assets.add(name);
      partitions.add(Utils.toPositive(Utils.murmur2(name.getBytes(StandardCharsets.UTF_8))) % Topic.DEFAULT_PARTITIONS);
    }
    List<MarketBar> bars = MarketBars.fromPrices(assets, MarketBars.pricesOf(MarketBars.syntheticRelatives(120, assets.size(), 33)),
        Instant.parse("2020-01-01T00:00:00Z"), Duration.ofDays(1));
    List<Map.Entry<String, byte[]>> first = new ArrayList<>();
    List<Map.Entry<String, byte[]>> second = new ArrayList<>();
    for (int i = 0; i < bars.size(); i++) {
      (i < bars.size() / 2 ? first : second).add(entry(Topic.MARKET_BARS, bars.get(i).getAsset(), bars.get(i)));
    }
    return new Pipeline("portfolio", new PortfolioJob(),
        Map.of("portfolio.id", "p", "portfolio.assets", String.join(",", assets), "portfolio.strategies", "olmar1,pamr,ons",
            "portfolio.combiners", "accelerated", "portfolio.cost", "0.001"),
        Topic.MARKET_BARS, Topic.PORTFOLIO_DECISIONS, first, second);
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
    start();
    try {
      for (Pipeline p : pipelines().toList()) {
        try (EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start()) {
          String bootstrap = own.bootstrapServers();
          TopicAdmin.createAll(bootstrap);
          send(bootstrap, p.first());
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
      stop();
    }
  }
}
