package io.convexstream.cli.demo;

import io.convexstream.cli.report.Plots;
import io.convexstream.jobs.PortfolioJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.MarketBars;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.PortfolioDecision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The portfolio demo: a seeded synthetic mean-reverting market of 8 assets, as daily bars, through
 * component strategies and combiners; wealth curves of components vs combiners. One extra day of
 * bars closes the last period (a period closes when event time passes its end).
 */
public final class PortfolioDemo implements DemoPipeline {
  public static final String ID = "demo-portfolio";
  private static final int ASSETS = 8;
  private static final List<String> STRATEGIES = List.of("ucrp", "eg", "olmar1", "pamr");
  private static final List<String> COMBINERS = List.of("bah", "universal", "accelerated");
  private static final int BAD_RECORDS = 2;

  private final int periods;
  private final List<String> assets = new ArrayList<>();

  public PortfolioDemo(int periods) {
    this.periods = periods;
    for (int i = 0; i < ASSETS; i++) {
      assets.add("ASSET" + i);
    }
  }

  @Override
  public StreamJob job() {
    return new PortfolioJob();
  }

  @Override
  public Map<String, String> options() {
    return Map.of("portfolio.id", ID, "portfolio.assets", String.join(",", assets),
        "portfolio.strategies", String.join(",", STRATEGIES), "portfolio.combiners", String.join(",", COMBINERS),
        "portfolio.cost", "0.001");
  }

  @Override
  public List<Topic> inputs() {
    return List.of(Topic.MARKET_BARS);
  }

  @Override
  public void feed(Feed kafka) {
    double[][] x = MarketBars.syntheticRelatives(periods + 1, ASSETS, 5);
    List<MarketBar> bars = MarketBars.fromPrices(assets, MarketBars.pricesOf(x), Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1));
    for (MarketBar b : bars) {
      kafka.send(Topic.MARKET_BARS, b.getAsset(), b);
    }
    MarketBar first = bars.get(0);
    kafka.send(Topic.MARKET_BARS, "UNKNOWN", MarketBar.newBuilder(first).setAsset("UNKNOWN").build());
    kafka.send(Topic.MARKET_BARS, first.getAsset(), MarketBar.newBuilder(first).setClose(-3.0).build());
  }

  @Override
  public Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException {
    int runners = STRATEGIES.size() + COMBINERS.size();
    // period 0, then every day after it: a day closes as soon as every asset's bar for it arrived, the last one included
    int expected = (periods + 2) * runners;
    List<PortfolioDecision> decisions = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
        d -> d.getPortfolioId().equals(ID), expected, Duration.ofSeconds(120));
    List<DeadLetter> deadLetters = DemoPipeline.deadLetters(kafka, job().name(), BAD_RECORDS);
    Map<String, List<PortfolioDecision>> byStrategy = decisions.stream()
        .collect(Collectors.groupingBy(PortfolioDecision::getStrategy, LinkedHashMap::new, Collectors.toList()));
    out.println();
    out.printf("Portfolios (portfolio): %d synthetic mean-reverting assets, %d days, cost 0.001%n", ASSETS, periods);
    out.printf("  %-24s %14s%n", "strategy", "final wealth");
    Map<String, double[][]> curves = new LinkedHashMap<>();
    for (Map.Entry<String, List<PortfolioDecision>> e : byStrategy.entrySet()) {
      List<PortfolioDecision> ds = new ArrayList<>(e.getValue());
      ds.sort(Comparator.comparingLong(PortfolioDecision::getPeriod));
      double[] t = ds.stream().mapToDouble(PortfolioDecision::getPeriod).toArray();
      double[] w = ds.stream().mapToDouble(PortfolioDecision::getWealth).toArray();
      out.printf("  %-24s %14.4f%n", e.getKey(), w[w.length - 1]);
      curves.put(e.getKey(), new double[][] {t, w});
    }
    DemoPipeline.printDeadLetters(deadLetters, out);
    Path plot = Plots.lines(outDir.resolve("portfolio-wealth.png"), "Wealth of component strategies and combiners (streaming, cost 0.001)",
        "day", "wealth (log scale)", true, curves);
    return new Report(job().name(), expected, decisions.size(), BAD_RECORDS, deadLetters.size(), List.of(plot));
  }
}
