package io.convexstream.flink.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.Book;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.core.portfolio.Trading;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.PortfolioDecision;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class PortfolioFunctionTest {
  private static final long DAY = 86_400_000L;
  private static final PortfolioSettings SETTINGS =
      new PortfolioSettings("p", List.of("A", "B"), List.of("olmar1"), List.of(), 0.0, DAY);
  private long offset;

  private StreamRecord<Tuple2<String, Decoded<MarketBar>>> bar(String asset, int day, double close) {
    return bar("p", asset, day, close);
  }

  private StreamRecord<Tuple2<String, Decoded<MarketBar>>> bar(String portfolio, String asset, int day, double close) {
    Instant t = Instant.ofEpochMilli(day * DAY + 1000);
    MarketBar b = new MarketBar(asset, t, t.plusSeconds(60), close, close, close, close, 0.0);
    Decoded<MarketBar> d = new Decoded<>(b, new RawRecord("convexstream.market-bars", 0, offset++, 0, null, null));
    return new StreamRecord<>(Tuple2.of(portfolio, d), t.toEpochMilli());
  }

  /** A bar covering the whole day: it reports its asset through the day's end. */
  private StreamRecord<Tuple2<String, Decoded<MarketBar>>> dayBar(String asset, int day, double close) {
    Instant t = Instant.ofEpochMilli(day * DAY);
    MarketBar b = new MarketBar(asset, t, t.plusMillis(DAY), close, close, close, close, 0.0);
    Decoded<MarketBar> d = new Decoded<>(b, new RawRecord("convexstream.market-bars", 0, offset++, 0, null, null));
    return new StreamRecord<>(Tuple2.of("p", d), t.toEpochMilli());
  }

  private static <T extends SpecificRecord> KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, Decoded<T>>, PortfolioDecision> harness(
      PriceReading<T> reading, long outOfOrderMillis, long haltMillis) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
        new PortfolioFunction<>("test", List.of(SETTINGS), reading, 0, outOfOrderMillis, haltMillis)),
        (Tuple2<String, Decoded<T>> r) -> r.f0, Types.STRING);
    h.open();
    return h;
  }

  private StreamRecord<Tuple2<String, Decoded<MarketTick>>> tick(String asset, long millis, double price) {
    Decoded<MarketTick> d = new Decoded<>(new MarketTick(asset, Instant.ofEpochMilli(millis), price, 1.0),
        new RawRecord("convexstream.market-ticks", 0, offset++, 0, null, null));
    return new StreamRecord<>(Tuple2.of("p", d), millis);
  }

  private static <T extends SpecificRecord> KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, Decoded<T>>, PortfolioDecision> harness(
      List<PortfolioSettings> portfolios, PriceReading<T> reading) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new PortfolioFunction<>("test", portfolios, reading)),
        (Tuple2<String, Decoded<T>> r) -> r.f0, Types.STRING);
    h.open();
    return h;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, Decoded<MarketBar>>, PortfolioDecision> harness() throws Exception {
    return harness(List.of(SETTINGS), PriceReading.BARS);
  }

  @Test
  void closesPeriodsOnTheWatermarkCarriesPricesAndMatchesTheStrategy() throws Exception {
    try (var h = harness()) {
      h.processElement(bar("A", 0, 10));
      h.processElement(bar("B", 0, 20));
      h.processElement(bar("A", 1, 11)); // B has no bar on day 1: it keeps 20
      h.processElement(bar("A", 2, 9.9));
      h.processElement(bar("B", 2, 22));
      h.processWatermark(new Watermark(2 * DAY - 1)); // closes days 0 and 1
      List<PortfolioDecision> out = h.extractOutputValues();
      assertThat(out).extracting(PortfolioDecision::getPeriod).containsExactly(0L, 1L);
      h.processWatermark(new Watermark(3 * DAY - 1));
      out = h.extractOutputValues();
      assertThat(out).extracting(PortfolioDecision::getPeriod).containsExactly(0L, 1L, 2L);
      assertThat(out).extracting(d -> List.copyOf(d.getCarriedAssets())).containsExactly(List.of(), List.of("B"), List.of());

      PortfolioStrategy ref = Strategies.create("olmar1", 2, null);
      Backtest bt = new Backtest(0.0);
      double[][] x = {{1.1, 1.0}, {0.9, 1.1}};
      for (int t = 0; t < 2; t++) {
        double s = bt.step(ref.weights().clone(), x[t]);
        ref.observe(x[t], s);
        assertThat(out.get(t + 1).getWeights()).containsExactly(ref.weights()[0], ref.weights()[1]);
        assertThat(out.get(t + 1).getWealth()).isEqualTo(bt.wealth());
      }
    }
  }

  /** A book with shorts and 2x leverage: the decisions weigh A, B, -A, -B, and equal the backtest's on the book's relatives. */
  @Test
  void shortAndLeveragedBooksDecideOnTheExtendedAssets() throws Exception {
    Book book = new Book(true, 2, 0.0001);
    Trading trading = book.scaled(Trading.costs(0.001));
    PortfolioSettings leveraged = new PortfolioSettings("p", List.of("A", "B"), List.of("olmar1"), List.of("eg"), trading, DAY,
        java.util.Map.of(), book);
    double[][] closes = {{10, 20}, {11, 19}, {9.5, 21}, {10.5, 20}, {10, 23}};
    List<PortfolioDecision> out = decisionsOf(leveraged, closes);
    assertThat(out).hasSize(2 * closes.length).allSatisfy(d -> assertThat(d.getAssets()).containsExactly("A", "B", "-A", "-B"));
    assertDecisionsAreTheBooks(out, List.of(Strategies.create("olmar1", 4, null),
        Strategies.combiner("eg", List.of("olmar1"), 4, null, java.util.Map.of(), trading)), leveraged, closes);
  }

  /** Per-asset costs and rebalancing rules: the decisions are what the backtest's books hold, bit for bit, combiners included. */
  @Test
  void costsAndRebalancingRulesDecideAsTheBacktestDoes() throws Exception {
    Trading trading = new Trading(0.002, new double[] {0.001, 0.004}, 2, 0.01);
    PortfolioSettings ruled = new PortfolioSettings("p", List.of("A", "B"), List.of("olmar1", "pamr"), List.of("accelerated"), trading, DAY,
        java.util.Map.of());
    double[][] closes = {{10, 20}, {11, 19}, {9.5, 21}, {10.5, 20}, {10, 23}, {12, 22}, {11, 21}};
    List<PortfolioDecision> out = decisionsOf(ruled, closes);
    assertThat(out).hasSize(3 * closes.length);
    assertDecisionsAreTheBooks(out, List.of(Strategies.create("olmar1", 2, null), Strategies.create("pamr", 2, null),
        Strategies.combiner("accelerated", List.of("olmar1", "pamr"), 2, null, java.util.Map.of(), trading)), ruled, closes);
  }

  /** The decisions of one portfolio of assets A and B over daily bars closing at {@code closes}, every day closed. */
  private List<PortfolioDecision> decisionsOf(PortfolioSettings settings, double[][] closes) throws Exception {
    try (var h = harness(List.of(settings), PriceReading.BARS)) {
      for (int day = 0; day < closes.length; day++) {
        h.processElement(bar("A", day, closes[day][0]));
        h.processElement(bar("B", day, closes[day][1]));
      }
      h.processWatermark(new Watermark(closes.length * DAY - 1));
      return h.extractOutputValues();
    }
  }

  /** Each day's decision of each of {@code refs} (in the portfolio's order) is what a backtest book of the same settings holds. */
  private static void assertDecisionsAreTheBooks(List<PortfolioDecision> out, List<PortfolioStrategy> refs, PortfolioSettings settings,
      double[][] closes) {
    for (int k = 0; k < refs.size(); k++) {
      PortfolioStrategy ref = refs.get(k);
      Backtest bt = new Backtest(settings.trading());
      for (int day = 0; day < closes.length; day++) {
        if (day > 0) {
          double[] x = settings.book().relatives(new double[] {closes[day][0] / closes[day - 1][0], closes[day][1] / closes[day - 1][1]});
          ref.observe(x, bt.settle(x));
        }
        double[] b = bt.decide(ref.weights());
        PortfolioDecision d = out.get(refs.size() * day + k);
        assertThat(d.getStrategy()).isEqualTo(ref.name());
        assertThat(d.getWeights()).as("%s, day %d", ref.name(), day).containsExactly(java.util.Arrays.stream(b).boxed().toArray(Double[]::new));
        assertThat(d.getWealth()).as("%s, day %d", ref.name(), day).isEqualTo(bt.wealth());
        assertThat(d.getRisk()).as("%s, day %d", ref.name(), day).isEqualTo(PortfolioRunners.risk(bt));
      }
    }
  }

  /**
   * A period closes on the reading that completes it: the last asset's bar of the day (bars report
   * through their end), with no watermark at all (the lag a silent partition or the next bar gave
   * is gone), and in any interleaving of the assets the decisions equal the watermark's.
   */
  @Test
  void barsCloseAPeriodAsSoonAsEveryAssetReportedIt() throws Exception {
    List<PortfolioDecision> byWatermark;
    try (var h = harness()) { // bars stamped inside the day: only the watermark closes
      for (int day = 0; day < 3; day++) {
        h.processElement(bar("A", day, 10 + day));
        h.processElement(bar("B", day, 20 - day));
      }
      h.processWatermark(new Watermark(3 * DAY - 1));
      byWatermark = h.extractOutputValues();
    }
    for (boolean aFirst : new boolean[] {true, false}) {
      try (var h = harness(PriceReading.BARS, 0, 0)) {
        for (int day = 0; day < 3; day++) {
          h.processElement(dayBar(aFirst ? "A" : "B", day, aFirst ? 10 + day : 20 - day));
          assertThat(h.extractOutputValues()).as("day %d, one asset reported", day).hasSize(day);
          h.processElement(dayBar(aFirst ? "B" : "A", day, aFirst ? 20 - day : 10 + day));
          assertThat(h.extractOutputValues()).as("day %d, both reported: decided at once", day).hasSize(day + 1);
        }
        List<PortfolioDecision> out = h.extractOutputValues();
        assertThat(out).extracting(PortfolioDecision::getWeights).isEqualTo(byWatermark.stream().map(PortfolioDecision::getWeights).toList());
        assertThat(out).extracting(PortfolioDecision::getWealth).isEqualTo(byWatermark.stream().map(PortfolioDecision::getWealth).toList());
        assertThat(out).extracting(PortfolioDecision::getEventTime).containsExactly(Instant.ofEpochMilli(DAY), Instant.ofEpochMilli(2 * DAY),
            Instant.ofEpochMilli(3 * DAY));
      }
    }
  }

  /** Ticks report their asset through τ − outOfOrderMs: a period closes once every asset ticked that far past its end. */
  @Test
  void ticksCloseAPeriodOnceEveryAssetTickedPastItsEndAndTheOutOfOrderBound() throws Exception {
    try (var h = harness(PriceReading.TICKS, 5_000, 0)) {
      h.processElement(tick("A", 1_000, 10));
      h.processElement(tick("B", 2_000, 20));
      h.processElement(tick("A", DAY + 6_000, 11)); // A is through day 0
      h.processElement(tick("B", DAY + 4_000, 21)); // B could still send a tick of day 0 (out of order by ≤ 5 s)
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement(tick("B", DAY - 1, 19)); // …and does: it counts for day 0
      h.processElement(tick("B", DAY + 5_000, 22));
      assertThat(h.extractOutputValues()).extracting(PortfolioDecision::getPeriod).containsExactly(0L);
      h.processElement(tick("A", DAY - 2, 9)); // beyond the bound: day 0 is closed
      assertThat(h.getSideOutput(DeadLetters.TAG)).extracting(r -> r.getValue().getReason()).singleElement().asString().contains("is late");
    }
  }

  /**
   * A halted asset: once another asset has reported a period and the silent one has had no reading
   * for the halt time (processing time), the period closes with the silent asset's last price and
   * the decision names it; its reading of that period arriving later is late. Without a halt time
   * the period waits.
   */
  @Test
  void aHaltedAssetIsCarriedAndNamedAfterTheHaltTime() throws Exception {
    for (long halt : new long[] {5_000, 0}) {
      try (var h = harness(PriceReading.BARS, 0, halt)) {
        h.setProcessingTime(0);
        h.processElement(dayBar("A", 0, 10));
        h.processElement(dayBar("B", 0, 20));
        h.setProcessingTime(1_000);
        h.processElement(dayBar("A", 1, 11)); // B halts on day 1
        h.setProcessingTime(4_999);
        assertThat(h.extractOutputValues()).as("halt %d", halt).hasSize(1);
        h.setProcessingTime(5_000); // B silent for the halt time since its last bar, and A has reported day 1
        List<PortfolioDecision> out = h.extractOutputValues();
        if (halt == 0) {
          assertThat(out).hasSize(1);
          continue;
        }
        assertThat(out).extracting(PortfolioDecision::getPeriod).containsExactly(0L, 1L);
        assertThat(out.get(1).getCarriedAssets()).containsExactly("B");
        assertThat(out.get(1).getPeriodReturn()).isEqualTo(0.5 * 11 / 10 + 0.5 * 20 / 20.0); // B carried at 20
        h.processElement(dayBar("B", 1, 25)); // the halted asset's day-1 bar comes late
        assertThat(h.getSideOutput(DeadLetters.TAG)).extracting(r -> r.getValue().getReason()).singleElement().asString()
            .contains("bar of B at 1970-01-02T00:00:00Z is late");
        h.setProcessingTime(7_000);
        h.processElement(dayBar("A", 2, 12));
        h.processElement(dayBar("B", 2, 21)); // B is back: day 2 closes at once, nothing carried
        assertThat(h.extractOutputValues()).extracting(d -> List.copyOf(d.getCarriedAssets())).containsExactly(List.of(), List.of("B"),
            List.of());
      }
    }
  }

  /**
   * A restore: the job's own downtime is not the feed's silence. A job stopped (or killed) while an
   * asset's bar was still to come is restored a minute later; the restored halt and end-of-feed
   * timers fire at once, yet nothing closes until the assets have been silent that long while the
   * job runs again, so the bar published during the downtime is taken, not dead-lettered. A silence
   * after the restore still halts the asset and ends the feed.
   */
  @Test
  void aRestoredJobCountsSilenceOnlyWhileItRuns() throws Exception {
    for (long[] timeouts : new long[][] {{5_000, 0}, {0, 5_000}}) { // {haltMs, endOfFeedMs}
      org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
      try (var h = restorable(timeouts, null)) {
        h.setProcessingTime(0);
        h.processElement(dayBar("A", 0, 10));
        h.processElement(dayBar("B", 0, 20));
        h.setProcessingTime(1_000);
        h.processElement(dayBar("A", 1, 11)); // B's day-1 bar is published at 3 000, while the job is down
        snapshot = h.snapshot(1, 1_500);
        assertThat(h.extractOutputValues()).hasSize(1);
      }
      try (var h = restorable(timeouts, snapshot)) {
        h.setProcessingTime(60_000); // the restored timer (6 000) fires
        h.setProcessingTime(60_050);
        assertThat(h.extractOutputValues()).isEmpty();
        h.processElement(dayBar("B", 1, 25)); // read from Kafka as the job catches up
        assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        assertThat(h.extractOutputValues()).singleElement().satisfies(d -> {
          assertThat(d.getPeriod()).isEqualTo(1L);
          assertThat(d.getCarriedAssets()).isEmpty();
        });
        h.setProcessingTime(61_000);
        h.processElement(dayBar("A", 2, 12)); // B is silent from here on
        h.setProcessingTime(65_049);
        assertThat(h.extractOutputValues()).hasSize(1);
        h.setProcessingTime(66_000); // B halted (silent since 60 050), the feed ended (silent since 61 000)
        assertThat(h.extractOutputValues()).hasSize(2).last().satisfies(d -> {
          assertThat(d.getPeriod()).isEqualTo(2L);
          assertThat(d.getCarriedAssets()).containsExactly("B");
        });
      }
    }
  }

  /** A harness with {haltMs, endOfFeedMs}, restored from {@code snapshot} (null: new). */
  private static KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, Decoded<MarketBar>>, PortfolioDecision> restorable(
      long[] timeouts, org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
        new PortfolioFunction<>("test", List.of(SETTINGS), PriceReading.BARS, timeouts[1], 0, timeouts[0])),
        (Tuple2<String, Decoded<MarketBar>> r) -> r.f0, Types.STRING);
    if (snapshot != null) {
      h.initializeState(snapshot);
    }
    h.open();
    return h;
  }

  /**
   * A feed that stops: with endOfFeedMs the open periods close once it has been silent that long
   * (processing time), the last one included, with the decisions the watermark would have given;
   * a silence shorter than that closes nothing, and a reading for a closed period is late.
   */
  @Test
  void aSilentFeedClosesItsOpenPeriodsAfterTheEndOfFeedTimeout() throws Exception {
    List<PortfolioDecision> byWatermark;
    try (var h = harness()) {
      h.processElement(bar("A", 0, 10));
      h.processElement(bar("B", 0, 20));
      h.processElement(bar("A", 1, 11));
      h.processWatermark(new Watermark(2 * DAY - 1));
      byWatermark = h.extractOutputValues();
    }
    var function = new PortfolioFunction<>("test", List.of(SETTINGS), PriceReading.BARS, 5_000, 0, 0);
    try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function),
        (Tuple2<String, Decoded<MarketBar>> r) -> r.f0, Types.STRING)) {
      h.open();
      h.setProcessingTime(1_000);
      h.processElement(bar("A", 0, 10));
      h.processElement(bar("B", 0, 20));
      h.setProcessingTime(4_000);
      h.processElement(bar("A", 1, 11)); // the feed goes on: the first timer (at 6 000) finds it 2 s old
      h.setProcessingTime(8_999);
      assertThat(h.extractOutputValues()).isEmpty();
      h.setProcessingTime(9_000); // 5 s after the last reading: days 0 and 1 close, in order
      assertThat(h.extractOutputValues()).isEqualTo(byWatermark);
      h.processElement(bar("B", 1, 21));
      assertThat(h.getSideOutput(DeadLetters.TAG)).extracting(r -> r.getValue().getReason())
          .containsExactly("bar of B at 1970-01-02T00:00:01Z is late: its period, from 1970-01-02T00:00:00Z, is closed"
              + " (closed up to 1970-01-03T00:00:00Z; last decision published: period 1)");
    }
  }

  @Test
  void deadLettersUnknownAssetsAndBarsOfClosedPeriods() throws Exception {
    try (var h = harness()) {
      h.processElement(bar("A", 0, 10));
      h.processElement(bar("B", 0, 20));
      h.processWatermark(new Watermark(DAY - 1));
      h.processElement(bar("A", 0, 12));
      h.processElement(bar("Z", 1, 5));
      List<String> reasons = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).map(DeadLetter::getReason).toList();
      assertThat(reasons).containsExactly(
          "bar of A at 1970-01-01T00:00:01Z is late: its period, from 1970-01-01T00:00:00Z, is closed"
              + " (closed up to 1970-01-02T00:00:00Z; last decision published: period 0)",
          "asset Z is not in portfolio p");
      assertThat(h.extractOutputValues()).hasSize(1);
    }
  }

  /** The close of a period is its latest tick by event time, whatever order the ticks arrive in. */
  @Test
  void ticksCloseAtTheirLatestEventTime() throws Exception {
    try (var h = harness(List.of(SETTINGS), PriceReading.TICKS)) {
      h.processElement(tick("A", 5_000, 10));
      h.processElement(tick("B", 7_000, 20));
      h.processElement(tick("A", 9_000, 12)); // latest A of day 0
      h.processElement(tick("A", 8_000, 11)); // arrives later, happened earlier
      h.processElement(tick("A", DAY + 5_000, 13.2));
      h.processElement(tick("B", DAY + 1_000, 30));
      h.processElement(tick("B", DAY + 2_000, 21));
      h.processWatermark(new Watermark(2 * DAY - 1));
      List<PortfolioDecision> out = h.extractOutputValues();
      assertThat(out).extracting(PortfolioDecision::getPeriod).containsExactly(0L, 1L);
      PortfolioStrategy ref = Strategies.create("olmar1", 2, null);
      Backtest bt = new Backtest(0.0);
      double[] x = {13.2 / 12, 21.0 / 20};
      bt.step(ref.weights().clone(), x);
      assertThat(out.get(1).getWealth()).isEqualTo(bt.wealth());
      assertThat(out.get(1).getPeriodReturn()).isEqualTo(0.5 * x[0] + 0.5 * x[1]);
    }
  }

  /** Two portfolios with an asset in common keep separate state and publish under their own ids. */
  @Test
  void portfoliosSharingAnAssetKeepTheirOwnState() throws Exception {
    PortfolioSettings q = new PortfolioSettings("q", List.of("B", "C"), List.of("ucrp"), List.of(), 0.0, DAY);
    try (var h = harness(List.of(SETTINGS, q), PriceReading.BARS)) {
      h.processElement(bar("p", "A", 0, 10));
      h.processElement(bar("p", "B", 0, 20));
      h.processElement(bar("q", "B", 0, 20));
      h.processElement(bar("q", "C", 0, 5));
      h.processElement(bar("p", "A", 1, 11));
      h.processElement(bar("q", "C", 1, 6));
      h.processElement(bar("r", "C", 1, 6));
      h.processElement(bar("q", "A", 1, 6));
      h.processWatermark(new Watermark(2 * DAY - 1));
      List<PortfolioDecision> out = h.extractOutputValues();
      assertThat(out).extracting(d -> d.getPortfolioId() + "/" + d.getStrategy() + "/" + d.getPeriod())
          .containsExactlyInAnyOrder("p/olmar1/0", "p/olmar1/1", "q/ucrp/0", "q/ucrp/1");
      PortfolioDecision q1 = out.stream().filter(d -> d.getPortfolioId().equals("q") && d.getPeriod() == 1).findFirst().orElseThrow();
      assertThat(q1.getPeriodReturn()).isEqualTo(0.5 * 1.0 + 0.5 * 6.0 / 5);
      assertThat(h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).map(DeadLetter::getReason))
          .containsExactly("unknown portfolio r", "asset A is not in portfolio q");
    }
  }

  /**
   * A period whose close fails (here: a strategy name the registry does not know, which the job's
   * option check refuses before submission) closes without a decision instead of failing the job
   * in a restart loop; its readings count as applied and later readings of it are late.
   */
  @Test
  void aPeriodThatFailsToCloseClosesWithoutADecisionAndTheJobGoesOn() throws Exception {
    PortfolioSettings broken = new PortfolioSettings("p", List.of("A", "B"), List.of("no-such-strategy"), List.of(), 0.0, DAY);
    try (var h = harness(List.of(broken), PriceReading.BARS)) {
      h.processElement(bar("A", 0, 10));
      h.processElement(bar("B", 0, 20));
      h.processWatermark(new Watermark(DAY - 1));
      h.processElement(bar("A", 0, 11));
      h.processElement(bar("A", 1, 11));
      h.processWatermark(new Watermark(2 * DAY - 1));
      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(h.getSideOutput(DeadLetters.TAG)).extracting(r -> r.getValue().getReason())
          .containsExactly("bar of A at 1970-01-01T00:00:01Z is late: its period, from 1970-01-01T00:00:00Z, is closed"
              + " (closed up to 1970-01-02T00:00:00Z)");
    }
  }

  /** A strategy's parameters set for the portfolio reach the strategy the operator runs. */
  @Test
  void aPortfolioRunsItsStrategiesWithTheParametersItSets() throws Exception {
    PortfolioSettings tuned = new PortfolioSettings("p", List.of("A", "B"), List.of("eg"), List.of(), 0.0, DAY,
        java.util.Map.of("eg", java.util.Map.of("eta", 0.5)));
    try (var h = harness(List.of(tuned), PriceReading.BARS)) {
      double[][] closes = {{10, 20}, {11, 20}, {9.9, 22}, {10.5, 21}};
      for (int day = 0; day < closes.length; day++) {
        h.processElement(bar("A", day, closes[day][0]));
        h.processElement(bar("B", day, closes[day][1]));
      }
      h.processWatermark(new Watermark(4 * DAY - 1));
      List<PortfolioDecision> out = h.extractOutputValues();
      PortfolioStrategy ref = Strategies.create("eg", 2, null, java.util.Map.of("eta", 0.5));
      PortfolioStrategy defaults = Strategies.create("eg", 2, null);
      for (int t = 1; t < closes.length; t++) {
        double[] x = {closes[t][0] / closes[t - 1][0], closes[t][1] / closes[t - 1][1]};
        ref.observe(x, ref.weights()[0] * x[0] + ref.weights()[1] * x[1]);
        defaults.observe(x, defaults.weights()[0] * x[0] + defaults.weights()[1] * x[1]);
      }
      assertThat(out.get(3).getWeights()).containsExactly(ref.weights()[0], ref.weights()[1]);
      assertThat(ref.weights()).isNotEqualTo(defaults.weights());
    }
  }
}
