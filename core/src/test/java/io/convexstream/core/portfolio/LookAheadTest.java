package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No strategy or combiner looks ahead: the weights b_{t+1} it decides after period t are the same,
 * bit for bit, whatever the periods after t hold. Each is run twice over the first periods of DJIA,
 * once on the data and once with every period after t replaced by a trap (the data's worst asset
 * ×100, the others ×0.01: a strategy that peeks would pile into it), the trap also passed as the history a strategy
 * is created with; the decisions up to b_{t+1} must agree.
 */
class LookAheadTest {
  private static final int T = 12;
  private static final int PERIODS = 40;

  @Test
  void decisionsUpToTheNextPeriodIgnoreEveryLaterPeriod() throws Exception {
    double[][] data = java.util.Arrays.copyOf(PriceRelativesCsv.read(Path.of("..", "data", "olps", "djia.csv")).relatives(), PERIODS);
    int m = data[0].length;
    int lure = worst(data);
    double[][] trapped = new double[PERIODS][];
    for (int t = 0; t < PERIODS; t++) {
      trapped[t] = t < T ? data[t].clone() : trap(m, lure);
    }
    List<String> online = Strategies.NAMES.stream().filter(s -> !s.equals("best") && !s.equals("bcrp")).toList();
    List<String> checked = new ArrayList<>();
    for (String name : online) {
      assertThat(decisions(Strategies.create(name, m, trapped), trapped)).as(name).isEqualTo(decisions(Strategies.create(name, m, data), data));
      checked.add(name);
    }
    for (String combiner : Strategies.COMBINERS) {
      List<String> parts = List.of("ucrp", "olmar1", "pamr", "anticor");
      assertThat(decisions(Strategies.combiner(combiner, parts, m, trapped, Map.of(), Trading.costs(0.001)), trapped)).as(combiner)
          .isEqualTo(decisions(Strategies.combiner(combiner, parts, m, data, Map.of(), Trading.costs(0.001)), data));
      checked.add(combiner);
    }
    assertThat(checked).hasSize(online.size() + Strategies.COMBINERS.size());
    // the trap works: the hindsight strategies, which do look at the whole history, fall into it
    for (String hindsight : List.of("best", "bcrp")) {
      assertThat(decisions(Strategies.create(hindsight, m, trapped), trapped)).as(hindsight)
          .isNotEqualTo(decisions(Strategies.create(hindsight, m, data), data));
    }
  }

  /** b_1 .. b_{T+1}, as bit patterns, from a book at cost 0.001 with a drift band (the rules must not peek either). */
  private static List<List<Long>> decisions(PortfolioStrategy s, double[][] x) {
    Backtest bt = new Backtest(new Trading(0.001, null, 1, 0.05));
    List<List<Long>> out = new ArrayList<>();
    for (int t = 0; t <= T; t++) {
      double[] b = bt.decide(s.weights());
      List<Long> bits = new ArrayList<>();
      for (double v : b) {
        bits.add(Double.doubleToLongBits(v));
      }
      out.add(bits);
      if (t < T) {
        s.observe(x[t], bt.settle(x[t]));
      }
    }
    return out;
  }

  /** Every asset ×0.01 but {@code lure} ×100. */
  private static double[] trap(int m, int lure) {
    double[] x = new double[m];
    java.util.Arrays.fill(x, 0.01);
    x[lure] = 100;
    return x;
  }

  /** The asset that did worst over the data: what a strategy that peeks would suddenly prefer. */
  private static int worst(double[][] x) {
    double[] wealth = new double[x[0].length];
    java.util.Arrays.fill(wealth, 1);
    for (double[] period : x) {
      for (int i = 0; i < wealth.length; i++) {
        wealth[i] *= period[i];
      }
    }
    int worst = 0;
    for (int i = 1; i < wealth.length; i++) {
      if (wealth[i] < wealth[worst]) {
        worst = i;
      }
    }
    return worst;
  }
}
