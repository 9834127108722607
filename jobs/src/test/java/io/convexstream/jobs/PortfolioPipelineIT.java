package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.PriceRelativesCsv;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.MarketBars;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.PortfolioDecision;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streaming path and the backtest path give the same weights, bit for bit (DJIA, with costs). */
class PortfolioPipelineIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(4);
  private static PriceRelativesCsv.Data data;
  private static List<String> assets;
  private static List<MarketBar> bars;

  @BeforeAll
  static void start() throws Exception {
    data = PriceRelativesCsv.read(Path.of("..", "data", "olps", "djia.csv"));
    assets = IntStream.range(0, data.assets().size()).mapToObj(i -> "S" + i).toList(); // header names are placeholders
    bars = MarketBars.fromPrices(assets, data.prices(), Instant.parse("2001-01-14T00:00:00Z"), Duration.ofDays(1));
  }

  /** Ticks (three per bar, shuffled within each day) into two portfolios that share five assets. */
  @Test
  void ticksRoutedToTwoPortfoliosMatchTheirBacktests() throws Exception {
    List<String> strategies = List.of("olmar1", "pamr");
    Map<String, List<Integer>> universes = Map.of("left", IntStream.range(0, 15).boxed().toList(), "right", IntStream.range(10, 30).boxed().toList());
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      for (MarketTick t : MarketBars.ticksOf(bars, 5)) {
        kafka.send(Topic.MARKET_TICKS, t.getAsset(), t);
      }
      kafka.flush();
    }
    Map<String, String> options = new java.util.HashMap<>(Map.of("market.input", "ticks", "portfolios", "left,right", "period.ms", "86400000"));
    universes.forEach((id, idx) -> {
      options.put("portfolio." + id + ".assets", idx.stream().map(assets::get).collect(java.util.stream.Collectors.joining(",")));
      options.put("portfolio." + id + ".strategies", String.join(",", strategies));
      options.put("portfolio." + id + ".cost", "0.001");
    });
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, new PortfolioJob(), new JobSettings(STACK.bootstrap(), "it-portfolio-ticks", true,
        DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500), 2, options));
    STACK.flink().awaitFinished(STACK.flink().submit(env, "it-portfolio-ticks"), 300_000);

    double[][] all = data.relatives();
    int perStrategy = all.length + 1;
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      List<PortfolioDecision> out = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
          d -> universes.containsKey(d.getPortfolioId()), 2 * strategies.size() * perStrategy, Duration.ofSeconds(60));
      assertThat(out).hasSize(2 * strategies.size() * perStrategy);
      for (var universe : universes.entrySet()) {
        double[][] x = java.util.Arrays.stream(all).map(row -> universe.getValue().stream().mapToDouble(i -> row[i]).toArray()).toArray(double[][]::new);
        for (String name : strategies) {
          PortfolioStrategy ref = Strategies.create(name, x[0].length, x);
          List<PortfolioDecision> mine = out.stream().filter(d -> d.getPortfolioId().equals(universe.getKey()) && d.getStrategy().equals(name))
              .sorted(Comparator.comparingLong(PortfolioDecision::getPeriod)).toList();
          assertThat(mine).hasSize(perStrategy);
          Backtest bt = new Backtest(0.001);
          for (int t = 0; t < x.length; t++) {
            ref.observe(x[t], bt.step(ref.weights().clone(), x[t]));
            assertThat(mine.get(t + 1).getWeights()).as("%s %s period %d", universe.getKey(), name, t + 1).isEqualTo(boxed(ref.weights()));
          }
          assertThat(mine.get(x.length).getWealth()).isEqualTo(bt.wealth());
        }
      }
    }
  }

  @Test
  void streamingWeightsEqualTheBacktestsBitForBit() throws Exception {
    double[][] x = data.relatives();
    List<String> strategies = List.of("ucrp", "olmar1", "pamr");
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      for (MarketBar b : bars) {
        kafka.send(Topic.MARKET_BARS, b.getAsset(), b);
      }
      kafka.flush();
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Map<String, String> options = Map.of("portfolio.id", "djia", "portfolio.assets", String.join(",", assets),
        "portfolio.strategies", String.join(",", strategies), "portfolio.combiners", "accelerated", "portfolio.cost", "0.001");
    Jobs.prepare(env, new PortfolioJob(), new JobSettings(STACK.bootstrap(), "it-portfolio", true,
        DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500), 2, options));
    STACK.flink().awaitFinished(STACK.flink().submit(env, "it-portfolio"), 300_000);

    int perStrategy = x.length + 1; // period 0 (initial weights) and one per period
    try (TopicClient kafka = new TopicClient(STACK.bootstrap())) {
      List<PortfolioDecision> out = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
          d -> d.getPortfolioId().equals("djia"), perStrategy * (strategies.size() + 1), Duration.ofSeconds(60));
      assertThat(out).hasSize(perStrategy * (strategies.size() + 1));
      List<PortfolioStrategy> reference = new ArrayList<>();
      for (String s : strategies) {
        reference.add(Strategies.create(s, assets.size(), x));
      }
      reference.add(Strategies.combiner("accelerated", strategies, assets.size(), x, 0.001));
      for (PortfolioStrategy ref : reference) {
        List<PortfolioDecision> mine = out.stream().filter(d -> d.getStrategy().equals(ref.name()))
            .sorted(Comparator.comparingLong(PortfolioDecision::getPeriod)).toList();
        assertThat(mine).hasSize(perStrategy);
        Backtest bt = new Backtest(0.001);
        assertThat(mine.get(0).getWeights()).isEqualTo(boxed(ref.weights()));
        for (int t = 0; t < x.length; t++) {
          double s = bt.step(ref.weights().clone(), x[t]);
          ref.observe(x[t], s);
          PortfolioDecision d = mine.get(t + 1);
          assertThat(d.getWeights()).as("%s period %d", ref.name(), t + 1).isEqualTo(boxed(ref.weights()));
          assertThat(d.getWealth()).isEqualTo(bt.wealth());
        }
      }
      double olmarWealth = out.stream().filter(d -> d.getStrategy().equals("olmar1"))
          .max(Comparator.comparingLong(PortfolioDecision::getPeriod)).orElseThrow().getWealth();
      assertThat(olmarWealth).isEqualTo(1.824488877, org.assertj.core.api.Assertions.within(1e-6 * 1.824488877));
    }
  }

  private static List<Double> boxed(double[] v) {
    List<Double> out = new ArrayList<>();
    for (double e : v) {
      out.add(e);
    }
    return out;
  }
}
