package io.convexstream.streams.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.connectors.marketdata.MarketBars;
import io.convexstream.connectors.marketdata.PriceRelativesCsv;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.streams.local.LocalFlinkCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The streaming path and the backtest path give the same weights, bit for bit (DJIA, with costs). */
class PortfolioPipelineIT {
  @Test
  void streamingWeightsEqualTheBacktestsBitForBit() throws Exception {
    PriceRelativesCsv.Data data = PriceRelativesCsv.read(Path.of("..", "..", "shared", "data", "olps", "djia.csv"));
    double[][] x = data.relatives();
    List<String> assets = data.assets().stream().map(a -> "S" + data.assets().indexOf(a)).toList(); // header names are placeholders
    List<MarketBar> bars = MarketBars.fromPrices(assets, data.prices(), Instant.parse("2001-01-14T00:00:00Z"), Duration.ofDays(1));
    List<String> strategies = List.of("ucrp", "olmar1", "pamr");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 4)) {
      TopicAdmin.createAll(broker.bootstrapServers());
      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        for (MarketBar b : bars) {
          kafka.send(Topic.MARKET_BARS, b.getAsset(), b);
        }
        kafka.flush();
      }
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Map<String, String> options = Map.of("portfolio.id", "djia", "portfolio.assets", String.join(",", assets),
          "portfolio.strategies", String.join(",", strategies), "portfolio.combiners", "accelerated", "portfolio.cost", "0.001");
      Jobs.prepare(env, new PortfolioJob(), new JobSettings(broker.bootstrapServers(), "it-portfolio", true,
          DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500), 2, options));
      flink.awaitFinished(flink.submit(env, "it-portfolio"), 300_000);

      int perStrategy = x.length + 1; // period 0 (initial weights) and one per period
      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        List<PortfolioDecision> out = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
            d -> d.getPortfolioId().equals("djia"), perStrategy * (strategies.size() + 1), Duration.ofSeconds(60));
        assertThat(out).hasSize(perStrategy * (strategies.size() + 1));
        List<PortfolioStrategy> reference = new ArrayList<>();
        for (String s : strategies) {
          reference.add(Strategies.create(s, assets.size(), x));
        }
        reference.add(Strategies.combiner("accelerated", strategies, assets.size(), x));
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
  }

  private static List<Double> boxed(double[] v) {
    List<Double> out = new ArrayList<>();
    for (double e : v) {
      out.add(e);
    }
    return out;
  }
}
