package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CombinerTest {
  private static List<PortfolioStrategy> components(int m) {
    return List.of(new Ucrp(m), Olmar.movingAverage(m, 10, 5), new Pamr(m, Pamr.Variant.PAMR, 0.5, 500),
        new ExponentiatedGradient(m, 0.05));
  }

  private static double wealth(double[][] x, Function<Integer, PortfolioStrategy> make) {
    return Backtest.run(make.apply(x[0].length), x, 0).finalWealth();
  }

  @Test
  void buyAndHoldOverStrategiesIsTheWealthWeightedMeanOfItsComponents() throws Exception {
    double[][] x = ReferenceWealthTest.relatives("djia");
    double combined = wealth(x, m -> Combiner.buyAndHold(components(m), Trading.costs(0)));
    double mean = components(x[0].length).stream().mapToDouble(c -> Backtest.run(c, x, 0).finalWealth()).average().orElseThrow();
    assertThat(combined).isCloseTo(mean, within(1e-9 * mean));
  }

  /**
   * The universal combiner's wealth is exactly the mean wealth of its sampled constant mixes, so it
   * is never below (best mix)/n; and on every benchmark the accelerated combiner (p = 16) beats
   * buy-and-hold over the same components. (The plain universal combiner does not within these
   * 500–1300 periods: its guarantee is a polynomial factor that T this short does not amortise.)
   */
  @Test
  void universalGuaranteeAndAcceleratedCombinerBeatsBuyAndHoldOverStrategies() throws Exception {
    for (String data : List.of("djia", "msci", "sp500", "tse")) {
      double[][] x = ReferenceWealthTest.relatives(data);
      double bah = wealth(x, m -> Combiner.buyAndHold(components(m), Trading.costs(0)));
      int samples = 200;
      double universal = wealth(x, m -> Combiner.universal(components(m), samples, 1, Trading.costs(0)));
      double bestComponent = components(x[0].length).stream()
          .mapToDouble(c -> Backtest.run(c, x, 0).finalWealth()).max().orElseThrow();
      assertThat(universal).as(data).isGreaterThanOrEqualTo(bestComponent / samples);
      double accelerated = wealth(x, m -> Combiner.accelerated(components(m), samples, 16, 1, Trading.costs(0)));
      assertThat(accelerated).as(data).isGreaterThan(bah);
    }
  }

  @Test
  void componentWeightsStayOnTheSimplex() throws Exception {
    double[][] x = ReferenceWealthTest.relatives("msci");
    Combiner eg = Combiner.eg(components(x[0].length), 0.05, Trading.costs(0.001));
    Backtest.run(eg, x, 0.001);
    double s = 0;
    for (double v : eg.componentWeights()) {
      assertThat(v).isGreaterThanOrEqualTo(0);
      s += v;
    }
    assertThat(s).isCloseTo(1, within(1e-12));
    assertThat(java.util.Arrays.stream(eg.weights()).sum()).isCloseTo(1, within(1e-9));
  }

  /**
   * Under costs each component learns inside the combiner exactly as alone (PAMR's update uses the
   * realised net return), and the combiner weighs the components by their net returns: a component
   * that trades a lot loses weight to one that does not, though both earn the same gross.
   */
  @Test
  void underCostsComponentsLearnAsAloneAndAreWeighedNet() throws Exception {
    double[][] x = ReferenceWealthTest.relatives("djia");
    int m = x[0].length;
    double cost = 0.01;
    List<PortfolioStrategy> inside = components(m);
    Combiner universal = Combiner.universal(inside, 50, 1, Trading.costs(cost));
    List<PortfolioStrategy> alone = components(m);
    Backtest[] trackers = new Backtest[alone.size()];
    for (int k = 0; k < alone.size(); k++) {
      trackers[k] = new Backtest(cost);
    }
    Backtest combined = new Backtest(cost);
    for (double[] period : x) {
      universal.observe(period, combined.step(universal.weights().clone(), period));
      for (int k = 0; k < alone.size(); k++) {
        alone.get(k).observe(period, trackers[k].step(alone.get(k).weights().clone(), period));
        assertThat(inside.get(k).weights()).as(alone.get(k).name()).containsExactly(alone.get(k).weights());
      }
    }
    // PAMR's turnover makes it the worst component net of 1 % costs; the meta weights know it
    Combiner net = Combiner.buyAndHold(components(m), Trading.costs(cost));
    Combiner gross = Combiner.buyAndHold(components(m), Trading.costs(0));
    Backtest.run(net, x, cost);
    Backtest.run(gross, x, cost);
    assertThat(net.componentWeights()[2]).isLessThan(gross.componentWeights()[2] / 10);
  }
}
