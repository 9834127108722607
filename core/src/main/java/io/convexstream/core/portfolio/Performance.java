package io.convexstream.core.portfolio;

/**
 * Summary figures of a backtest: final wealth, annualised return (S_n^{P/n} − 1), annualised Sharpe
 * ratio of the period net returns (mean/std·√P, no risk-free rate), maximum drawdown of the wealth
 * curve, and mean turnover ||b_t − b̃_{t−1}||₁ per period. P is the number of periods per year.
 */
public record Performance(double finalWealth, double annualisedReturn, double sharpe, double maxDrawdown, double meanTurnover) {
  public static Performance of(Backtest.Result r, double periodsPerYear) {
    int n = r.returns().length;
    double mean = 0;
    for (double s : r.returns()) {
      mean += s - 1;
    }
    mean /= n;
    double var = 0;
    for (double s : r.returns()) {
      var += (s - 1 - mean) * (s - 1 - mean);
    }
    double std = Math.sqrt(var / Math.max(1, n - 1));
    double peak = 1;
    double mdd = 0;
    for (double w : r.wealth()) {
      peak = Math.max(peak, w);
      mdd = Math.max(mdd, (peak - w) / peak);
    }
    double turnover = 0;
    for (double t : r.turnover()) {
      turnover += t;
    }
    return new Performance(r.finalWealth(), Math.pow(r.finalWealth(), periodsPerYear / n) - 1,
        std > 0 ? mean / std * Math.sqrt(periodsPerYear) : 0, mdd, turnover / n);
  }
}
