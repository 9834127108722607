package io.convexstream.jobs;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.MarketBars;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;

/** The three pipelines with deterministic inputs in two halves, for the savepoint and fault-tolerance tests. */
public final class TestPipelines {
  private TestPipelines() {}

  /** A pipeline: its job and options, and its input in two halves (key, value bytes). */
  public record Pipeline(String name, StreamJob job, Map<String, String> options, Topic input, Topic output,
      List<Map.Entry<String, byte[]>> first, List<Map.Entry<String, byte[]>> second) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static List<Pipeline> all() {
    return List.of(gradients(), routerLoads(), portfolio());
  }

  /**
   * {@link #all} and the gradients pipeline on oomd-ec, whose matrices the operator updates in place
   * (checkpoints taken while records keep changing them must still restore exactly). Both gradient
   * pipelines write the same input topic: a test using both must not count on the topic holding
   * only one pipeline's records (FaultToleranceIT compares two runs over the same topic).
   */
  public static List<Pipeline> allWithInPlaceState() {
    return List.of(gradients(), expConcaveGradients(), manySparseModels(), routerLoads(), portfolio());
  }

  /**
   * 20 000 ftrl models of dimension 100 000, sparse gradients of 8 coordinates, 3 steps each: many
   * keys, and models kept in blocks (a record touches only its blocks).
   */
  static Pipeline manySparseModels() {
    SplittableRandom r = new SplittableRandom(33);
    List<Map.Entry<String, byte[]>> first = new ArrayList<>();
    List<Map.Entry<String, byte[]>> second = new ArrayList<>();
    for (int step = 1; step <= 3; step++) {
      for (int m = 0; m < 20_000; m++) {
        String model = "s" + m;
        List<Integer> idx = r.ints(8, 0, 100_000).distinct().sorted().boxed().toList();
        List<Double> g = idx.stream().map(i -> r.nextDouble() - 0.5).toList();
        (step <= 2 ? first : second).add(entry(Topic.GRADIENTS, model,
            new Gradient(model, (long) step, "w", new NumericVector(100_000, idx, g), null, null, Instant.ofEpochMilli(step))));
      }
    }
    return new Pipeline("gradients-20000-sparse-models", LearnerJob.gradients(), Map.of("learner", "ftrl", "learner.l1", "0.01",
        "emitEvery", "1"), Topic.GRADIENTS, Topic.PARAMETERS, first, second);
  }

  public static void send(String bootstrap, List<Map.Entry<String, byte[]>> records) {
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
    return gradients("gradients", Map.of("learner", "oomd", "learner.domain", "ball:1", "learner.G", "3", "emitEvery", "1"));
  }

  static Pipeline expConcaveGradients() {
    // a small ball, so the U-norm projection is active
    return gradients("gradients-oomd-ec", Map.of("learner", "oomd-ec", "learner.domain", "ball:0.5", "emitEvery", "1"));
  }

  private static Pipeline gradients(String name, Map<String, String> options) {
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
    return new Pipeline(name, LearnerJob.gradients(), options, Topic.GRADIENTS, Topic.PARAMETERS, first, second);
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

}
