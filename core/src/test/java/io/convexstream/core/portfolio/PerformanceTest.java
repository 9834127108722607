package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PerformanceTest {
  /** Four periods: up 10 %, down 10 %, down 5 %, up 20 %; P = 4 periods a year, so the year is the run. */
  private static final Backtest.Result RUN = new Backtest.Result("x", new double[] {1.1, 0.99, 0.9405, 1.1286},
      new double[] {1.1, 0.9, 0.95, 1.2}, new double[] {1.0, 0.2, 0.0, 0.4}, new double[] {0.01, 0.0, 0.002, 0.0});

  @Test
  void riskFiguresByHand() {
    Performance p = Performance.of(RUN, 4, new double[] {1.0, 1.0, 1.0, 1.0});
    double mean = (0.1 - 0.1 - 0.05 + 0.2) / 4;
    double std = Math.sqrt((Math.pow(0.1 - mean, 2) + Math.pow(-0.1 - mean, 2) + Math.pow(-0.05 - mean, 2) + Math.pow(0.2 - mean, 2)) / 3);
    double downside = Math.sqrt((0.01 + 0.0025) / 4);
    assertThat(p.finalWealth()).isEqualTo(1.1286);
    assertThat(p.annualisedReturn()).isCloseTo(0.1286, within(1e-12));
    assertThat(p.sharpe()).isCloseTo(mean / std * 2, within(1e-12));
    assertThat(p.sortino()).isCloseTo(mean / downside * 2, within(1e-12));
    assertThat(p.maxDrawdown()).isCloseTo((1.1 - 0.9405) / 1.1, within(1e-12));
    assertThat(p.maxDrawdownPeriods()).as("below the 1.1 peak for two periods, then above it").isEqualTo(2);
    assertThat(p.calmar()).isCloseTo(0.1286 / ((1.1 - 0.9405) / 1.1), within(1e-9));
    assertThat(p.informationRatio()).as("against cash, the Sharpe ratio").isCloseTo(p.sharpe(), within(1e-12));
    assertThat(p.meanTurnover()).isCloseTo(0.4, within(1e-15));
    assertThat(p.costsPaid()).isCloseTo(0.012, within(1e-15));
    assertThat(Performance.of(RUN, 4).informationRatio()).isNaN();
  }

  @Test
  void aDrawdownNotRecoveredLastsToTheEnd() {
    Backtest.Result falling = new Backtest.Result("y", new double[] {0.9, 0.8, 0.85}, new double[] {0.9, 0.8 / 0.9, 0.85 / 0.8},
        new double[3], new double[3]);
    Performance p = Performance.of(falling, 252);
    assertThat(p.maxDrawdown()).isCloseTo(0.2, within(1e-12));
    assertThat(p.maxDrawdownPeriods()).as("below the initial wealth from the first period on").isEqualTo(3);
  }

  @Test
  void theCostsPaidAreWhatTheGrossReturnsLost() {
    double[][] x = {{1.1, 0.9}, {0.8, 1.3}, {1.05, 1.0}};
    Backtest.Result free = Backtest.run(Strategies.create("ucrp", 2, x), x, 0);
    Backtest.Result paid = Backtest.run(Strategies.create("ucrp", 2, x), x, 0.01);
    assertThat(free.costs()).containsOnly(0.0);
    assertThat(paid.costs()[0]).as("buying in: all of the wealth traded, c/2 of it paid").isCloseTo(1.0 * 0.005, within(1e-15));
    double wealth = 1;
    for (int t = 0; t < x.length; t++) {
      double gross = 0.5 * x[t][0] + 0.5 * x[t][1];
      assertThat(paid.costs()[t]).isCloseTo(wealth * (gross - paid.returns()[t]), within(1e-15));
      wealth = paid.wealth()[t];
    }
  }

  /** The live figures (running sums in the book) are the backtest's, per period (P = 1). */
  @Test
  void theBooksRunningFiguresAreThoseOfTheBacktest() throws Exception {
    double[][] x = PriceRelativesCsv.read(java.nio.file.Path.of("..", "data", "olps", "djia.csv")).relatives();
    PortfolioStrategy s = Strategies.create("olmar1", x[0].length, x);
    Backtest bt = new Backtest(0.001);
    double[] wealth = new double[x.length];
    double[] returns = new double[x.length];
    double[] turnover = new double[x.length];
    double[] costs = new double[x.length];
    for (int t = 0; t < x.length; t++) {
      double[] b = bt.decide(s.weights());
      double before = bt.wealth();
      returns[t] = bt.settle(x[t]);
      costs[t] = before * (Simplex.dot(b, x[t]) - returns[t]);
      wealth[t] = bt.wealth();
      turnover[t] = bt.lastTurnover();
      s.observe(x[t], returns[t]);
    }
    Performance p = Performance.of(new Backtest.Result("olmar1", wealth, returns, turnover, costs), 1);
    double[] live = bt.risk();
    assertThat(java.util.List.of(Backtest.RISK)).containsExactly("costsPaid", "sharpe", "sortino", "maxDrawdown", "maxDrawdownPeriods");
    assertThat(live[0]).isCloseTo(p.costsPaid(), within(1e-12));
    assertThat(live[1]).isCloseTo(p.sharpe(), within(1e-9));
    assertThat(live[2]).isCloseTo(p.sortino(), within(1e-9));
    assertThat(live[3]).isCloseTo(p.maxDrawdown(), within(1e-15));
    assertThat(live[4]).isEqualTo(p.maxDrawdownPeriods());
  }
}
