package io.convexstream.core.portfolio;

/**
 * Runs a strategy over price relatives with proportional transaction costs:
 * s_t = (b_t·x_t)(1 − c/2·||b_t − b̃_{t−1}||₁), b̃_0 = 0, S_t = S_{t−1}·s_t, and, exactly as the OLPS
 * toolbox that produced the reference figures, b̃_t = b_t⊙x_t / s_t (divided by the net return, so
 * with costs b̃_t sums to slightly more than 1; with c = 0 it is b_t⊙x_t/(b_t·x_t)).
 */
public final class Backtest implements java.io.Serializable {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -551998644854691257L;
  /**
   * Wealth after each period (S_0 = 1 is not included), period net returns, turnover, and the costs
   * paid each period in units of the initial wealth, S_{t−1}·(b_t·x_t − s_t).
   */
  public record Result(String strategy, double[] wealth, double[] returns, double[] turnover, double[] costs) {
    public double finalWealth() {
      return wealth.length == 0 ? 1 : wealth[wealth.length - 1];
    }
  }

  private final double costRate;
  private double[] drifted;
  private double wealth = 1;

  public Backtest(double costRate) {
    this.costRate = costRate;
  }

  /** One period: b is what was held (b_t), x the realised relatives; returns s_t. */
  public double step(double[] b, double[] x) {
    double gross = Simplex.dot(b, x);
    double turnover = 0;
    for (int i = 0; i < b.length; i++) {
      turnover += Math.abs(b[i] - (drifted == null ? 0 : drifted[i]));
    }
    lastTurnover = turnover;
    double s = gross * (1 - costRate / 2 * turnover);
    drifted = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      drifted[i] = b[i] * x[i] / s;
    }
    wealth *= s;
    peakWealth = Math.max(Math.max(peakWealth, 1), wealth);
    return s;
  }

  private double lastTurnover;
  /** Highest wealth so far, S_0 = 1 included (added later: 0 in states saved before it). */
  private double peakWealth = 1;

  public double wealth() {
    return wealth;
  }

  /** ||b_t − b̃_{t−1}||₁ of the last period. */
  public double lastTurnover() {
    return lastTurnover;
  }

  /** 1 − S_t / max_{s≤t} S_s. */
  public double drawdown() {
    return 1 - wealth / Math.max(Math.max(peakWealth, 1), wealth);
  }

  public static Result run(PortfolioStrategy strategy, double[][] relatives, double costRate) {
    Backtest bt = new Backtest(costRate);
    int n = relatives.length;
    double[] wealth = new double[n];
    double[] returns = new double[n];
    double[] turnover = new double[n];
    double[] costs = new double[n];
    for (int t = 0; t < n; t++) {
      double[] b = strategy.weights().clone();
      double before = bt.wealth;
      returns[t] = bt.step(b, relatives[t]);
      costs[t] = before * (Simplex.dot(b, relatives[t]) - returns[t]);
      turnover[t] = bt.lastTurnover;
      wealth[t] = bt.wealth;
      strategy.observe(relatives[t], returns[t]);
    }
    return new Result(strategy.name(), wealth, returns, turnover, costs);
  }
}
