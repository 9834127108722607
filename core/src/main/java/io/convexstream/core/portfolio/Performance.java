package io.convexstream.core.portfolio;

/**
 * Risk and return figures of a backtest, from its period net returns s_t (after costs), its wealth
 * curve and its turnover. P is the number of periods per year; r_t = s_t − 1; no risk-free rate.
 *
 * <ul>
 *   <li>annualised return S_n^{P/n} − 1; Sharpe mean(r)/std(r)·√P; Sortino mean(r)/downside·√P, the
 *       downside deviation √(Σ min(r_t, 0)² / n);
 *   <li>maximum drawdown max_t (1 − S_t / max_{s≤t} S_s) (S_0 = 1 counts as a peak) and its duration,
 *       the most periods the wealth stayed below an earlier peak (until it recovered, or the end);
 *   <li>Calmar: annualised return / maximum drawdown (NaN without a drawdown);
 *   <li>information ratio against a benchmark's returns b_t (UCRP in {@code backtest}):
 *       mean(r − b)/std(r − b)·√P (NaN without a benchmark);
 *   <li>mean turnover ||b_t − b̃_{t−1}||₁ per period, and the costs paid over the run in units of the
 *       initial wealth, Σ_t S_{t−1}·(gross return_t − s_t).
 * </ul>
 */
public record Performance(double finalWealth, double annualisedReturn, double sharpe, double sortino, double maxDrawdown,
    int maxDrawdownPeriods, double calmar, double informationRatio, double meanTurnover, double costsPaid) {

  public static Performance of(Backtest.Result r, double periodsPerYear) {
    return of(r, periodsPerYear, null);
  }

  /** {@code benchmarkReturns}: another strategy's net returns s_t on the same periods (null: no information ratio). */
  public static Performance of(Backtest.Result r, double periodsPerYear, double[] benchmarkReturns) {
    int n = r.returns().length;
    double[] excess = new double[n];
    double downside = 0;
    for (int t = 0; t < n; t++) {
      excess[t] = r.returns()[t] - 1;
      downside += Math.min(excess[t], 0) * Math.min(excess[t], 0);
    }
    double mean = mean(excess);
    double std = std(excess, mean);
    downside = Math.sqrt(downside / Math.max(1, n));
    double peak = 1;
    double mdd = 0;
    int below = 0;
    int longest = 0;
    for (double w : r.wealth()) {
      if (w >= peak) {
        peak = w;
        below = 0;
      } else {
        below++;
        longest = Math.max(longest, below);
      }
      mdd = Math.max(mdd, (peak - w) / peak);
    }
    double turnover = 0;
    for (double t : r.turnover()) {
      turnover += t;
    }
    double costs = 0;
    for (double c : r.costs()) {
      costs += c;
    }
    double information = Double.NaN;
    if (benchmarkReturns != null) {
      if (benchmarkReturns.length != n) {
        throw new IllegalArgumentException(benchmarkReturns.length + " benchmark returns for " + n + " periods");
      }
      double[] active = new double[n];
      for (int t = 0; t < n; t++) {
        active[t] = r.returns()[t] - benchmarkReturns[t];
      }
      double m = mean(active);
      double s = std(active, m);
      information = s > 0 ? m / s * Math.sqrt(periodsPerYear) : Double.NaN;
    }
    double annual = Math.pow(r.finalWealth(), periodsPerYear / n) - 1;
    return new Performance(r.finalWealth(), annual, std > 0 ? mean / std * Math.sqrt(periodsPerYear) : 0,
        downside > 0 ? mean / downside * Math.sqrt(periodsPerYear) : Double.NaN, mdd, longest, mdd > 0 ? annual / mdd : Double.NaN,
        information, turnover / n, costs);
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / Math.max(1, v.length);
  }

  private static double std(double[] v, double mean) {
    double s = 0;
    for (double x : v) {
      s += (x - mean) * (x - mean);
    }
    return Math.sqrt(s / Math.max(1, v.length - 1));
  }
}
