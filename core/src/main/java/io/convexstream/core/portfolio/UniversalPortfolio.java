package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Cover's universal portfolio, b_{t+1} = ∫ b W_t(b) db / ∫ W_t(b) db with W_t(b) = Π_s b·x_s,
 * approximated as in Kalai and Vempala (2002) and the OLPS toolbox: each period, {@code samples}
 * Metropolis random walks start at the uniform portfolio and take {@code steps} moves of ±δ that
 * trade asset j (chosen uniformly among the first m−1) against the last asset, staying at least δ0
 * in both; a move from b to b' is accepted with probability min(1, Q(b')/Q(b)) where
 * Q(b) = W_t(b) · min(1, exp((b_m − 2δ0)/(mδ))). b_{t+1} is the mean of the walks' end points.
 *
 * <p>The toolbox defaults (10 samples of 5 steps, δ = 5e-3, δ0 = 4e-3) keep every walk within 0.025
 * of uniform, so that UP is close to UCRP; many more steps (and a larger δ) are needed for the
 * walk to mix and approach Cover's integral. The walk is seeded, so a run is reproducible and the
 * streaming and backtest drivers agree bit for bit. O(samples·steps·t) per period.
 */
public final class UniversalPortfolio implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 8866692282458673170L;
  private final int m;
  private final int samples;
  private final int steps;
  private final double delta;
  private final double minCoordinate;
  private final Random random;
  private final List<double[]> history = new ArrayList<>();
  /** Per-period return of the uniform portfolio, where every walk starts. */
  private final List<Double> uniformReturns = new ArrayList<>();
  private double[] b;

  public UniversalPortfolio(int m, int samples, int steps, double delta, double minCoordinate, long seed) {
    if (samples < 1 || steps < 0 || !(delta > 0) || !(minCoordinate >= 0)) {
      throw new IllegalArgumentException("UP needs samples ≥ 1, steps ≥ 0, delta > 0, minCoordinate ≥ 0");
    }
    this.m = m;
    this.samples = samples;
    this.steps = steps;
    this.delta = delta;
    this.minCoordinate = minCoordinate;
    this.random = new Random(seed);
    this.b = Simplex.uniform(m);
  }

  /** The OLPS toolbox's parameters. */
  public static UniversalPortfolio withReferenceDefaults(int m, long seed) {
    return new UniversalPortfolio(m, 10, 5, 5e-3, 4e-3, seed);
  }

  @Override
  public String name() {
    return "up";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    history.add(x.clone());
    uniformReturns.add(Simplex.mean(x));
    if (m == 1) {
      return;
    }
    int t = history.size();
    double[] start = new double[t];
    for (int s = 0; s < t; s++) {
      start[s] = uniformReturns.get(s);
    }
    double[] sum = new double[m];
    double[] walk = new double[m];
    double[] returns = new double[t];
    double[] moved = new double[t];
    for (int k = 0; k < samples; k++) {
      java.util.Arrays.fill(walk, 1.0 / m);
      System.arraycopy(start, 0, returns, 0, t);
      for (int step = 0; step < steps; step++) {
        int j = random.nextInt(m - 1);
        double a = random.nextBoolean() ? delta : -delta;
        double bj = walk[j] + a;
        double bLast = walk[m - 1] - a;
        if (bj >= minCoordinate && bLast >= minCoordinate) {
          // log W(b') − log W(b) as logs of products of ratios near 1: one log per block, not per period.
          double logRatio = 0;
          double ratio = 1;
          for (int s = 0; s < t; s++) {
            double[] xs = history.get(s);
            moved[s] = returns[s] + a * (xs[j] - xs[m - 1]);
            ratio *= moved[s] / returns[s];
            if ((s & 63) == 63) {
              logRatio += Math.log(ratio);
              ratio = 1;
            }
          }
          logRatio += Math.log(ratio);
          double accept = Math.min(Math.exp(logRatio + barrier(bLast) - barrier(walk[m - 1])), 1);
          if (random.nextDouble() < accept) {
            walk[j] = bj;
            walk[m - 1] = bLast;
            double[] swap = returns;
            returns = moved;
            moved = swap;
          }
        }
      }
      for (int i = 0; i < m; i++) {
        sum[i] += walk[i];
      }
    }
    double total = Simplex.sum(sum);
    double[] next = new double[m];
    for (int i = 0; i < m; i++) {
      next[i] = sum[i] / total;
    }
    b = next;
  }

  /** log of Q's factor min(1, exp((b_m − 2δ0)/(mδ))), which keeps the walk off the last asset's edge. */
  private double barrier(double last) {
    return Math.min(0, (last - 2 * minCoordinate) / (m * delta));
  }
}
