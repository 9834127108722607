package io.convexstream.kafka.feeds;

import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Market-data import: price relatives as a stream of per-period bars (or ticks), and a synthetic market. */
public final class MarketBars {
  private MarketBars() {}

  /**
   * Bars of every asset for every period: period 0 (starting at {@code start}) carries price 1 for
   * each asset (the implicit p_0 of the OLPS format), period t the prices of row t. Closing these
   * bars gives x_t = row_t/row_{t−1}: the same division, hence the same bits, as reading the CSV.
   */
  public static List<MarketBar> fromPrices(List<String> assets, double[][] prices, Instant start, Duration period) {
    List<MarketBar> bars = new ArrayList<>();
    for (int t = 0; t <= prices.length; t++) {
      double[] price = new double[assets.size()];
      if (t == 0) {
        java.util.Arrays.fill(price, 1.0);
      } else {
        price = prices[t - 1];
      }
      Instant begin = start.plus(period.multipliedBy(t));
      for (int i = 0; i < price.length; i++) {
        double p = price[i];
        bars.add(new MarketBar(assets.get(i), begin, begin.plus(period), p, p, p, p, 0.0));
      }
    }
    return bars;
  }

  /**
   * Ticks that close like the given bars: per bar one at its start (the open), one in its middle
   * (seeded noise around the mid price) and one 1 ms before its end (the close), emitted in a seeded
   * shuffled order within each period, so a consumer must order them by event time itself.
   */
  public static List<MarketTick> ticksOf(List<MarketBar> bars, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<MarketTick> ticks = new ArrayList<>();
    List<MarketTick> period = new ArrayList<>();
    Instant periodStart = null;
    for (MarketBar b : bars) {
      if (!b.getEventTime().equals(periodStart)) {
        java.util.Collections.shuffle(period, new java.util.Random(r.nextLong()));
        ticks.addAll(period);
        period.clear();
        periodStart = b.getEventTime();
      }
      long start = b.getEventTime().toEpochMilli();
      long end = b.getEndTime().toEpochMilli();
      double mid = 0.5 * (b.getOpen() + b.getClose()) * (1 + 0.01 * (r.nextDouble() - 0.5));
      period.add(new MarketTick(b.getAsset(), b.getEventTime(), b.getOpen(), 1.0));
      period.add(new MarketTick(b.getAsset(), Instant.ofEpochMilli(start + (end - start) / 2), mid, 1.0));
      period.add(new MarketTick(b.getAsset(), Instant.ofEpochMilli(end - 1), b.getClose(), 1.0));
    }
    java.util.Collections.shuffle(period, new java.util.Random(r.nextLong()));
    ticks.addAll(period);
    return ticks;
  }

  /** Cumulative prices (p_0 = 1 implicit) of the given relatives. */
  public static double[][] pricesOf(double[][] relatives) {
    double[][] prices = new double[relatives.length][];
    double[] p = new double[relatives[0].length];
    java.util.Arrays.fill(p, 1.0);
    for (int t = 0; t < relatives.length; t++) {
      for (int i = 0; i < p.length; i++) {
        p[i] *= relatives[t][i];
      }
      prices[t] = p.clone();
    }
    return prices;
  }

  /**
   * Seeded synthetic relatives with mean reversion around a slow trend, the regime where the
   * mean-reversion strategies shine: x_{t,i} = exp(μ_i + σ z_{t,i} − κ·dev_{t−1,i}).
   */
  public static double[][] syntheticRelatives(int periods, int assets, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] x = new double[periods][assets];
    double[] deviation = new double[assets];
    for (int t = 0; t < periods; t++) {
      for (int i = 0; i < assets; i++) {
        double z = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        double step = 0.0003 * (i % 3) + 0.02 * z - 0.3 * deviation[i];
        deviation[i] += step;
        x[t][i] = Math.exp(step);
      }
    }
    return x;
  }
}
