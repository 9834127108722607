package io.convexstream.core.portfolio;

/**
 * Runs a strategy over price relatives with proportional transaction costs ({@link Trading}: the
 * toolbox's round-trip rate c, or one-way rates per asset, and when the book trades):
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
  /** Costs and rebalancing rules (null in state saved before them: the toolbox's, at costRate). */
  private final Trading trading;
  private double[] drifted;
  private double wealth = 1;
  /** What the book holds in the coming period, once decided (null before, and in older state). */
  private double[] held;
  private boolean heldTrades;
  /** Periods settled so far. */
  private long periods;

  public Backtest(double costRate) {
    this(Trading.costs(costRate));
  }

  public Backtest(Trading trading) {
    this.costRate = trading.costRate();
    this.trading = trading;
  }

  private Trading trading() {
    return trading != null ? trading : Trading.costs(costRate);
  }

  /**
   * What the book holds in the coming period, given its strategy's {@code target}: the target in a
   * trading period (see {@link Trading}), else its present weights b̃/Σb̃, drifted with the prices.
   */
  public double[] decide(double[] target) {
    Trading t = trading();
    boolean trade = drifted == null || periods % t.every() == 0;
    // the present weights matter only to a book that may keep them: not on the default path
    double[] present = trade && t.drift() == 0 ? null : present();
    if (trade && present != null) {
      double moved = 0;
      for (int i = 0; i < present.length; i++) {
        moved += Math.abs(target[i] - present[i]);
      }
      trade = moved > t.drift();
    }
    heldTrades = trade;
    held = trade ? target.clone() : present;
    return held.clone();
  }

  /** The weights the book holds now, b̃/Σb̃ (drifted with the prices since its last trade); null before the first period. */
  private double[] present() {
    if (drifted == null) {
      return null;
    }
    double[] present = drifted.clone();
    double sum = 0;
    for (double v : present) {
      sum += v;
    }
    for (int i = 0; i < present.length; i++) {
      present[i] /= sum;
    }
    return present;
  }

  /** Whether {@link #decide} chose what the book holds in the coming period. */
  public boolean decided() {
    return held != null;
  }

  /** The period closed with relatives {@code x}: settles what {@link #decide} chose, returns s_t. */
  public double settle(double[] x) {
    if (held == null) {
      throw new IllegalStateException("nothing decided for the period");
    }
    double[] b = held;
    double gross = Simplex.dot(b, x);
    double turnover = 0;
    double s = gross;
    if (heldTrades) {
      for (int i = 0; i < b.length; i++) {
        turnover += Math.abs(b[i] - (drifted == null ? 0 : drifted[i]));
      }
      s = gross * (1 - trading().costFraction(b, drifted, turnover));
    }
    lastTurnover = turnover;
    double r = s - 1;
    costsPaid += wealth * (gross - s);
    sumR += r;
    sumR2 += r * r;
    sumDown2 += Math.min(r, 0) * Math.min(r, 0);
    drifted = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      drifted[i] = b[i] * x[i] / s;
    }
    wealth *= s;
    if (wealth >= Math.max(peakWealth, 1)) {
      belowPeak = 0;
    } else {
      longestBelowPeak = Math.max(longestBelowPeak, ++belowPeak);
    }
    peakWealth = Math.max(Math.max(peakWealth, 1), wealth);
    maxDrawdown = Math.max(maxDrawdown, drawdown());
    held = null;
    periods++;
    return s;
  }

  /** One period holding {@code b} (bought at its start if need be) and relatives {@code x}: returns s_t. */
  public double step(double[] b, double[] x) {
    held = b;
    heldTrades = true;
    return settle(x);
  }

  private double lastTurnover;
  // running figures for the live risk figures (0 in state saved before them: they count from the restore)
  private double costsPaid;
  private double sumR;
  private double sumR2;
  private double sumDown2;
  private double maxDrawdown;
  private long belowPeak;
  private long longestBelowPeak;

  /** Names of {@link #risk()}'s figures, in order. */
  public static final String[] RISK = {"costsPaid", "sharpe", "sortino", "maxDrawdown", "maxDrawdownPeriods"};

  /**
   * The figures of {@link Performance} that need no calendar, over the periods settled so far: costs
   * paid (initial-wealth units), Sharpe and Sortino ratios per period (not annualised: times √P for P
   * periods a year), maximum drawdown and its duration in periods. NaN where undefined.
   */
  public double[] risk() {
    double n = periods;
    double mean = n > 0 ? sumR / n : Double.NaN;
    double std = n > 1 ? Math.sqrt(Math.max(0, (sumR2 - n * mean * mean) / (n - 1))) : Double.NaN;
    double down = n > 0 ? Math.sqrt(sumDown2 / n) : Double.NaN;
    return new double[] {costsPaid, std > 0 ? mean / std : Double.NaN, down > 0 ? mean / down : Double.NaN, maxDrawdown, longestBelowPeak};
  }
  /** Highest wealth so far, S_0 = 1 included (added later: 0 in states saved before it). */
  private double peakWealth = 1;

  public double wealth() {
    return wealth;
  }

  /** ||b_t − b̃_{t−1}||₁ of the last period (0 where the book did not trade). */
  public double lastTurnover() {
    return lastTurnover;
  }

  /** 1 − S_t / max_{s≤t} S_s. */
  public double drawdown() {
    return 1 - wealth / Math.max(Math.max(peakWealth, 1), wealth);
  }

  public static Result run(PortfolioStrategy strategy, double[][] relatives, double costRate) {
    return run(strategy, relatives, Trading.costs(costRate));
  }

  public static Result run(PortfolioStrategy strategy, double[][] relatives, Trading trading) {
    Backtest bt = new Backtest(trading);
    int n = relatives.length;
    double[] wealth = new double[n];
    double[] returns = new double[n];
    double[] turnover = new double[n];
    double[] costs = new double[n];
    for (int t = 0; t < n; t++) {
      double[] b = bt.decide(strategy.weights());
      double before = bt.wealth;
      returns[t] = bt.settle(relatives[t]);
      costs[t] = before * (Simplex.dot(b, relatives[t]) - returns[t]);
      turnover[t] = bt.lastTurnover;
      wealth[t] = bt.wealth;
      strategy.observe(relatives[t], returns[t]);
    }
    return new Result(strategy.name(), wealth, returns, turnover, costs);
  }
}
