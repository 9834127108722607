package io.convexstream.flink.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.RawRecord;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.PortfolioDecision;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
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

  private StreamRecord<Decoded<MarketBar>> bar(String asset, int day, double close) {
    Instant t = Instant.ofEpochMilli(day * DAY + 1000);
    MarketBar b = new MarketBar(asset, t, t.plusSeconds(60), close, close, close, close, 0.0);
    return new StreamRecord<>(new Decoded<>(b, new RawRecord("convexstream.market-bars", 0, offset++, 0, null, null)), t.toEpochMilli());
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<MarketBar>, PortfolioDecision> harness() throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new PortfolioFunction("test", SETTINGS)),
        (Decoded<MarketBar> d) -> "p", Types.STRING);
    h.open();
    return h;
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
          "bar of A for closed period 0 (periods up to 0 are closed)",
          "asset Z is not in portfolio p");
      assertThat(h.extractOutputValues()).hasSize(1);
    }
  }
}
