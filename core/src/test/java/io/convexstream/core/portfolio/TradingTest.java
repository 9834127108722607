package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TradingTest {
  private static double[][] djia() throws Exception {
    return PriceRelativesCsv.read(Path.of("..", "data", "olps", "djia.csv")).relatives();
  }

  @Test
  void uniformOneWayCostsAreTheToolboxsRoundTripHalved() throws Exception {
    double[][] x = djia();
    int m = x[0].length;
    double[] half = new double[m];
    java.util.Arrays.fill(half, 0.0005);
    Backtest.Result toolbox = Backtest.run(Strategies.create("olmar1", m, x), x, Trading.costs(0.001));
    Backtest.Result oneWay = Backtest.run(Strategies.create("olmar1", m, x), x, new Trading(0.001, half, 1, 0));
    assertThat(toolbox.finalWealth()).isCloseTo(1.82449, within(1e-5)); // reference_wealth.tsv
    assertThat(oneWay.finalWealth()).isCloseTo(toolbox.finalWealth(), within(1e-9 * toolbox.finalWealth()));
  }

  @Test
  void eachAssetPaysItsOwnRate() {
    double[][] x = {{1.1, 0.9}, {1.0, 1.0}};
    Backtest bt = new Backtest(new Trading(0, new double[] {0.01, 0}, 1, 0));
    bt.decide(new double[] {0.25, 0.75});
    double s = bt.settle(x[0]);
    assertThat(s).as("buying in: a quarter of the wealth at 1 %%, the rest free").isCloseTo((0.25 * 1.1 + 0.75 * 0.9) * (1 - 0.0025), within(1e-15));
    assertThat(Trading.oneWayCosts("B:0.002", List.of("A", "B", "C"), 0.001)).containsExactly(0.0005, 0.002, 0.0005);
    assertThatThrownBy(() -> Trading.oneWayCosts("D:0.1", List.of("A", "B"), 0)).hasMessageContaining("D:0.1");
  }

  /** Between trades the book keeps its drifted weights and pays nothing; it trades in every N-th period. */
  @Test
  void everyNPeriodsTheBookTradesAndDriftsBetween() throws Exception {
    double[][] x = djia();
    int m = x[0].length;
    PortfolioStrategy ucrp = Strategies.create("ucrp", m, x);
    Backtest bt = new Backtest(new Trading(0.001, null, 5, 0));
    double[] held = null;
    for (int t = 0; t < 12; t++) {
      double[] b = bt.decide(ucrp.weights());
      if (t % 5 == 0) {
        assertThat(b).as("period %d trades", t).containsExactly(ucrp.weights());
      } else {
        double gross = Simplex.dot(held, x[t - 1]);
        for (int i = 0; i < m; i++) {
          assertThat(b[i]).as("period %d, asset %d: the weights drifted with the prices", t, i).isCloseTo(held[i] * x[t - 1][i] / gross,
              within(1e-15));
        }
      }
      double before = bt.wealth();
      double s = bt.settle(x[t]);
      if (t % 5 != 0) {
        assertThat(bt.lastTurnover()).isZero();
        assertThat(s).as("no trade, no cost").isEqualTo(Simplex.dot(b, x[t]));
      }
      assertThat(bt.wealth()).isEqualTo(before * s);
      held = b;
      ucrp.observe(x[t], s);
    }
  }

  /**
   * A threshold no drift reaches: the book buys once and holds, which is buy-and-hold of the first
   * weights. Without costs that is UBAH exactly; with costs the toolbox's UBAH still pays a little
   * every period (its drifted weights b̃ are divided by the net return, so they sum to a bit more than
   * 1, and the normalised weights differ from them), where a held book pays nothing after buying.
   */
  @Test
  void aDriftThresholdNeverReachedIsBuyAndHold() throws Exception {
    double[][] x = djia();
    int m = x[0].length;
    Backtest.Result free = Backtest.run(Strategies.create("ucrp", m, x), x, new Trading(0, null, 1, 2.5));
    Backtest.Result ubahFree = Backtest.run(Strategies.create("ubah", m, x), x, Trading.costs(0));
    assertThat(free.finalWealth()).isCloseTo(ubahFree.finalWealth(), within(1e-12));
    Backtest.Result held = Backtest.run(Strategies.create("ucrp", m, x), x, new Trading(0.001, null, 1, 2.5));
    Backtest.Result ubah = Backtest.run(Strategies.create("ubah", m, x), x, Trading.costs(0.001));
    assertThat(held.finalWealth()).isGreaterThan(ubah.finalWealth()).isCloseTo(ubah.finalWealth(), within(1e-6));
    assertThat(java.util.Arrays.stream(held.costs()).skip(1)).as("only the first purchase pays").containsOnly(0.0);
  }

  /** With a threshold the book trades less, and each trade starts from weights that drifted past it. */
  @Test
  void aDriftThresholdCutsTurnover() throws Exception {
    double[][] x = djia();
    int m = x[0].length;
    Backtest.Result always = Backtest.run(Strategies.create("olmar1", m, x), x, Trading.costs(0.001));
    Backtest.Result banded = Backtest.run(Strategies.create("olmar1", m, x), x, new Trading(0.001, null, 1, 0.5));
    double a = java.util.Arrays.stream(always.turnover()).sum();
    double b = java.util.Arrays.stream(banded.turnover()).sum();
    assertThat(b).isLessThan(a);
    assertThat(java.util.Arrays.stream(banded.turnover()).skip(1).filter(t -> t > 0)).allMatch(t -> t > 0.5 - 1e-12);
  }

  @Test
  void badRulesAreRefused() {
    assertThatThrownBy(() -> new Trading(-0.1, null, 1, 0)).hasMessageContaining("cost rate");
    assertThatThrownBy(() -> new Trading(0, new double[] {1.5}, 1, 0)).hasMessageContaining("one-way");
    assertThatThrownBy(() -> new Trading(0, null, 0, 0)).hasMessageContaining("every");
    assertThatThrownBy(() -> new Trading(0, null, 1, Double.NaN)).hasMessageContaining("drift");
  }
}
