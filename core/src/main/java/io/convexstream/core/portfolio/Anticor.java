package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;

/**
 * Anticor (Borodin, El-Yaniv, Gogan 2004) as BAH(Anticor): experts for every window w = 2..W move
 * wealth from asset i to asset j when, over the last two windows of log relatives, i outperformed j
 * in the latest window (μ2_i ≥ μ2_j) and i's earlier returns correlate positively with j's later
 * ones (claim = corr + max(0, −corr_ii) + max(0, −corr_jj)); the experts are combined
 * buy-and-hold, weighted by their (normalised) wealth. Default W = 30.
 */
public final class Anticor implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 4166588366926077471L;
  private final int maxWindow;
  private final int m;
  private final double[][] experts;
  private final double[] expertWealth;
  private final List<double[]> logRelatives = new ArrayList<>();
  private final double[] b;

  public Anticor(int m, int maxWindow) {
    this.m = m;
    this.maxWindow = maxWindow;
    this.experts = new double[maxWindow - 1][];
    for (int k = 0; k < experts.length; k++) {
      experts[k] = Simplex.uniform(m);
    }
    this.expertWealth = new double[maxWindow - 1];
    java.util.Arrays.fill(expertWealth, 1.0);
    this.b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return "anticor";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    // wealth of each expert over this period, with the weights it held
    double total = 0;
    for (int k = 0; k < experts.length; k++) {
      expertWealth[k] *= Simplex.dot(x, experts[k]);
      total += expertWealth[k];
    }
    for (int k = 0; k < experts.length; k++) {
      expertWealth[k] /= total;
    }
    double[] lx = new double[m];
    for (int i = 0; i < m; i++) {
      lx[i] = Math.log(x[i]);
    }
    logRelatives.add(lx);
    if (logRelatives.size() > 2 * maxWindow) {
      logRelatives.remove(0);
    }
    double[][] work = new double[m][m];
    for (int k = 0; k < experts.length; k++) {
      experts[k] = expert(logRelatives, experts[k], k + 2, work);
    }
    java.util.Arrays.fill(b, 0);
    double denominator = 0;
    for (int k = 0; k < experts.length; k++) {
      denominator += expertWealth[k];
      for (int i = 0; i < m; i++) {
        b[i] += expertWealth[k] * experts[k][i];
      }
    }
    for (int i = 0; i < m; i++) {
      b[i] /= denominator;
    }
  }

  /**
   * One Anticor step with window w from the expert's previous weights, given the log relatives
   * observed so far (at least the last 2w). {@code work}: an m×m matrix it overwrites (one per
   * period serves every expert; a fresh one per expert cost most of the time at m = 500).
   */
  static double[] expert(List<double[]> logRelatives, double[] previous, int w, double[][] work) {
    int m = previous.length;
    int t = logRelatives.size();
    if (t < 2 * w) {
      return previous;
    }
    double[] mu1 = new double[m];
    double[] mu2 = new double[m];
    for (int s = 0; s < w; s++) {
      double[] a = logRelatives.get(t - 2 * w + s);
      double[] c = logRelatives.get(t - w + s);
      for (int i = 0; i < m; i++) {
        mu1[i] += a[i];
        mu2[i] += c[i];
      }
    }
    for (int i = 0; i < m; i++) {
      mu1[i] /= w;
      mu2[i] /= w;
    }
    double[][] d1 = new double[w][m];
    double[][] d2 = new double[w][m];
    double[] var1 = new double[m];
    double[] var2 = new double[m];
    for (int s = 0; s < w; s++) {
      double[] a = logRelatives.get(t - 2 * w + s);
      double[] c = logRelatives.get(t - w + s);
      for (int i = 0; i < m; i++) {
        d1[s][i] = a[i] - mu1[i];
        d2[s][i] = c[i] - mu2[i];
        var1[i] += d1[s][i] * d1[s][i];
        var2[i] += d2[s][i] * d2[s][i];
      }
    }
    for (int i = 0; i < m; i++) {
      var1[i] /= w - 1;
      var2[i] /= w - 1;
    }
    // cross-products a row at a time (the row stays in cache while s runs; contiguous inner loop);
    // each entry still sums s = 0..w−1 in order from 0, so the bits are those of the plain triple
    // loop (the claims are that sensitive)
    double[][] a = work;
    for (int i = 0; i < m; i++) {
      double[] row = a[i];
      java.util.Arrays.fill(row, 0, m, 0);
      for (int s = 0; s < w; s++) {
        double xi = d1[s][i];
        double[] x2 = d2[s];
        for (int j = 0; j < m; j++) {
          row[j] += xi * x2[j];
        }
      }
    }
    // correlation where it can matter (the diagonal, and claims: μ2_i ≥ μ2_j and cor > 0, where
    // cor > 0 needs cov > 0), as the same expression as everywhere: most divisions and roots skipped
    double[] selfCor = new double[m];
    for (int i = 0; i < m; i++) {
      double v = var1[i] * var2[i];
      selfCor[i] = v != 0 ? a[i][i] / (w - 1) / Math.sqrt(v) : 0;
    }
    // covariance → claim → transfer, row by row in place
    for (int i = 0; i < m; i++) {
      double[] row = a[i];
      double claimSum = 0;
      for (int j = 0; j < m; j++) {
        double claim = 0;
        if (mu2[i] >= mu2[j] && row[j] > 0) {
          double v = var1[i] * var2[j];
          double cor = v != 0 ? row[j] / (w - 1) / Math.sqrt(v) : 0;
          if (cor > 0) {
            claim = cor + Math.max(0, -selfCor[i]) + Math.max(0, -selfCor[j]);
          }
        }
        row[j] = claim;
        claimSum += claim;
      }
      for (int j = 0; j < m; j++) {
        row[j] = Math.abs(claimSum) > 0 ? previous[i] * row[j] / claimSum : 0;
      }
    }
    // the net transfer into each asset in one sum, in the toolbox's order: its claims switch on
    // comparisons that a last-bit difference can flip (docs/ALGORITHMS.md), so the order matters
    double[] weight = new double[m];
    for (int j = 0; j < m; j++) {
      double outMinusIn = 0;
      for (int i = 0; i < m; i++) {
        outMinusIn += a[j][i] - a[i][j];
      }
      weight[j] = previous[j] - outMinusIn;
    }
    return weight;
  }
}
