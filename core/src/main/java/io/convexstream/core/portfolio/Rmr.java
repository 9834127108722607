package io.convexstream.core.portfolio;

import java.util.Arrays;

/**
 * Robust median reversion (Huang, Zhou, Li, Hoi, Zhou 2013): predicts the next relatives as the L1
 * median of the last W prices over the current price, φ = L1med(p_{t−W+1..t})/p_t (the last relative
 * while fewer than W+1 periods exist), then b ← Π(b − τ(φ − φ̄)) with τ = min(0, (b·φ − ε)/‖φ − φ̄‖²).
 * The L1 median is the Vardi–Zhang modified Weiszfeld iteration (start: coordinate-wise median,
 * tolerance 1e-9, at most 200 iterations). As in the reference toolbox, prices are rebuilt from the
 * relatives starting at 1 on the first period (x_1 does not enter them). Defaults ε = 5, W = 5.
 */
public final class Rmr implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -8149485579630339977L;
  private final double epsilon;
  private final int window;
  private final double[] b;
  private final double[][] closes;
  private double[] close;
  private int seen;

  public Rmr(int m, double epsilon, int window) {
    this.epsilon = epsilon;
    this.window = window;
    this.b = Simplex.uniform(m);
    this.closes = new double[window][];
  }

  @Override
  public String name() {
    return "rmr";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    int m = b.length;
    if (close == null) {
      close = new double[m];
      Arrays.fill(close, 1.0);
    } else {
      close = close.clone();
      for (int i = 0; i < m; i++) {
        close[i] *= x[i];
      }
    }
    closes[seen % window] = close;
    seen++;
    double[] phi;
    if (seen < window + 1) {
      phi = x.clone();
    } else {
      double[][] recent = new double[window][];
      for (int k = 0; k < window; k++) {
        recent[k] = closes[(seen - window + k) % window];
      }
      phi = l1Median(recent);
      for (int i = 0; i < m; i++) {
        phi[i] /= close[i];
      }
    }
    double mean = Simplex.mean(phi);
    double norm2 = 0;
    for (double p : phi) {
      norm2 += (p - mean) * (p - mean);
    }
    double tau = norm2 == 0 ? 0 : Math.min(0, (Simplex.dot(phi, b) - epsilon) / norm2);
    for (int i = 0; i < m; i++) {
      b[i] -= tau * (phi[i] - mean);
    }
    Simplex.project(b);
  }

  /** Vardi–Zhang L1 median of the rows. */
  static double[] l1Median(double[][] rows) {
    int n = rows.length;
    int m = rows[0].length;
    double[] y = new double[m];
    double[] column = new double[n];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < n; i++) {
        column[i] = rows[i][j];
      }
      Arrays.sort(column);
      y[j] = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2;
    }
    for (int iter = 0; iter < 200; iter++) {
      double[] num = new double[m];
      double[] r = new double[m];
      double den = 0;
      int coincident = 0;
      for (double[] row : rows) {
        double dist = 0;
        for (int j = 0; j < m; j++) {
          dist += (row[j] - y[j]) * (row[j] - y[j]);
        }
        dist = Math.sqrt(dist);
        if (dist >= 1e-15) {
          for (int j = 0; j < m; j++) {
            num[j] += row[j] / dist;
            r[j] += (row[j] - y[j]) / dist;
          }
          den += 1 / dist;
        } else {
          coincident = 1;
        }
      }
      double rNorm = 0;
      for (double v : r) {
        rNorm += v * v;
      }
      rNorm = Math.sqrt(rNorm);
      double gamma = rNorm == 0 ? 0 : Math.min(1, coincident / rNorm);
      double[] next = new double[m];
      double change = 0;
      double size = 0;
      for (int j = 0; j < m; j++) {
        double t = den == 0 ? 0 : num[j] / den;
        next[j] = (1 - gamma) * t + gamma * y[j];
        change += Math.abs(next[j] - y[j]);
        size += Math.abs(y[j]);
      }
      y = next;
      if (change - 1e-9 * size <= 0) {
        break;
      }
    }
    return y;
  }
}
