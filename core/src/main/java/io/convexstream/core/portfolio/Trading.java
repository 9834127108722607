package io.convexstream.core.portfolio;

import java.util.Arrays;

/**
 * How a book trades: what a trade costs and when the book trades.
 *
 * <ul>
 *   <li>Costs are proportional. {@code costRate} is the OLPS toolbox's c, a round trip: every unit of
 *       wealth bought or sold pays c/2. {@code oneWay}, when given, is a one-way rate per asset (the
 *       asset's spread and fees on one side), in the book's asset order; a period's cost is then
 *       Σ_i oneWay_i·|b_i − b̃_i| of the wealth, which equals the toolbox's c/2·‖b − b̃‖₁ when every
 *       oneWay_i = c/2 (computed the toolbox's way then, for the same bits).
 *   <li>A book trades to its strategy's weights in every {@code every}-th period (the first period
 *       always trades), and there only when its drifted weights have moved more than {@code drift}
 *       (in ‖·‖₁) from those weights; otherwise it keeps what it holds, the weights drifting with the
 *       prices, and pays nothing. Defaults: every period, any drift.
 * </ul>
 */
public record Trading(double costRate, double[] oneWay, int every, double drift) implements java.io.Serializable {
  public Trading {
    if (!(costRate >= 0) || Double.isInfinite(costRate)) {
      throw new IllegalArgumentException("the cost rate must be finite and non-negative: " + costRate);
    }
    if (oneWay != null) {
      oneWay = oneWay.clone();
      for (double c : oneWay) {
        if (!(c >= 0 && c < 1)) {
          throw new IllegalArgumentException("one-way costs must lie in [0, 1): " + Arrays.toString(oneWay));
        }
      }
    }
    if (every < 1) {
      throw new IllegalArgumentException("a book trades every 1 or more periods: " + every);
    }
    if (!(drift >= 0) || Double.isInfinite(drift)) {
      throw new IllegalArgumentException("the drift threshold must be finite and non-negative: " + drift);
    }
  }

  /** The toolbox's convention: round-trip rate c for every asset, trading every period. */
  public static Trading costs(double costRate) {
    return new Trading(costRate, null, 1, 0);
  }

  /**
   * One-way rates in the order of {@code assets} from "ASSET:RATE,..." (e.g. "AAPL:0.0005,XYZ:0.003"),
   * cost/2 for the assets not listed; null when the spec is blank.
   */
  public static double[] oneWayCosts(String spec, java.util.List<String> assets, double cost) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    double[] oneWay = new double[assets.size()];
    Arrays.fill(oneWay, cost / 2);
    for (String entry : spec.split(",")) {
      String[] kv = entry.trim().split(":", 2);
      int i = assets.indexOf(kv[0].trim());
      if (kv.length != 2 || i < 0) {
        throw new IllegalArgumentException("costs entry '" + entry.trim() + "' is not ASSET:RATE with an asset of " + assets);
      }
      try {
        oneWay[i] = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("costs entry '" + entry.trim() + "' needs a number after the colon", e);
      }
    }
    return oneWay;
  }

  /**
   * The fraction of wealth a trade from {@code drifted} (b̃, the toolbox's; null before the first) to
   * {@code b} costs, given its {@code turnover} ‖b − b̃‖₁.
   */
  double costFraction(double[] b, double[] drifted, double turnover) {
    if (oneWay == null) {
      return costRate / 2 * turnover; // the toolbox's expression, for its bits
    }
    if (oneWay.length != b.length) {
      throw new IllegalArgumentException(oneWay.length + " one-way costs for " + b.length + " assets");
    }
    double cost = 0;
    for (int i = 0; i < b.length; i++) {
      cost += oneWay[i] * Math.abs(b[i] - (drifted == null ? 0 : drifted[i]));
    }
    return cost;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Trading t && costRate == t.costRate && Arrays.equals(oneWay, t.oneWay) && every == t.every && drift == t.drift;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(oneWay) * 31 + Double.hashCode(costRate) + every * 17 + Double.hashCode(drift);
  }
}
