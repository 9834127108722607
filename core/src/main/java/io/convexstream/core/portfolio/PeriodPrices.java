package io.convexstream.core.portfolio;

import java.util.Arrays;

/**
 * The period rule of the portfolio pipeline, one piece of code for the streaming job and the
 * backtest over a recorded stream: within a period the latest-timed reading of an asset is its
 * close (ties: the later arrival); after the period, assets without a reading carry their last
 * close; a period is complete once every asset has a price.
 */
public final class PeriodPrices {
  private PeriodPrices() {}

  /** An open period of m assets: m prices, then the m event times they were read at (NaN: none yet). */
  public static double[] open(int m) {
    double[] p = new double[2 * m];
    Arrays.fill(p, Double.NaN);
    return p;
  }

  /** Takes a reading into an open period if it is the asset's latest so far (times < 2^53 are exact). */
  public static void take(double[] open, int asset, long time, double price) {
    int m = open.length / 2;
    if (Double.isNaN(open[m + asset]) || time >= open[m + asset]) {
      open[asset] = price;
      open[m + asset] = time;
    }
  }

  /** Closing prices after the period: the last closes, replaced where the period had a reading. */
  public static double[] close(double[] lastClose, double[] open) {
    double[] close = lastClose.clone();
    for (int i = 0; i < close.length; i++) {
      if (!Double.isNaN(open[i])) {
        close[i] = open[i];
      }
    }
    return close;
  }

  /** Whether every asset has a price. */
  public static boolean complete(double[] close) {
    return Arrays.stream(close).noneMatch(Double::isNaN);
  }

  /** No prices yet: the closes before the first period. */
  public static double[] none(int m) {
    double[] p = new double[m];
    Arrays.fill(p, Double.NaN);
    return p;
  }

  /** x_t = close_t / close_{t−1}, element-wise. */
  public static double[] relatives(double[] close, double[] lastClose) {
    double[] x = new double[close.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = close[i] / lastClose[i];
    }
    return x;
  }
}
