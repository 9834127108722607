package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;

/**
 * BAH(Anticor(Anticor)) (Borodin, El-Yaniv, Gogan 2004): a first fold of Anticor experts over the
 * assets (windows 2..W, each buy-and-hold drifting between updates), and a second fold of Anticor
 * experts that treat the first-fold experts' period returns as assets; the second fold is combined
 * buy-and-hold and mapped back to asset weights. As in the reference toolbox. Default W = 30.
 */
public final class AnticorOfAnticors implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -7366803514312872177L;
  private final int k;
  private final int m;
  private final double[][] first;
  private final double[][] second;
  private final double[] secondWealth;
  private final List<double[]> logRelatives = new ArrayList<>();
  private final List<double[]> logExpertReturns = new ArrayList<>();
  private final int keep;
  private final double[] b;

  public AnticorOfAnticors(int m, int maxWindow) {
    this.m = m;
    this.k = maxWindow - 1;
    this.keep = 2 * maxWindow;
    this.first = new double[k][];
    this.second = new double[k][];
    for (int i = 0; i < k; i++) {
      first[i] = Simplex.uniform(m);
      second[i] = Simplex.uniform(k);
    }
    this.secondWealth = new double[k];
    java.util.Arrays.fill(secondWealth, 1.0);
    this.b = new double[m];
    combine();
  }

  @Override
  public String name() {
    return "anticor_anticor";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    // period returns of the first-fold experts: the second fold's "assets"
    double[] day = new double[k];
    for (int i = 0; i < k; i++) {
      day[i] = Simplex.dot(x, first[i]);
    }
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < m; j++) {
        first[i][j] = first[i][j] * x[j] / day[i];
      }
      double r = Simplex.dot(day, second[i]);
      secondWealth[i] *= r;
      for (int j = 0; j < k; j++) {
        second[i][j] = second[i][j] * day[j] / r;
      }
    }
    logRelatives.add(logOf(x));
    logExpertReturns.add(logOf(day));
    if (logRelatives.size() > keep) {
      logRelatives.remove(0);
      logExpertReturns.remove(0);
    }
    double[][] assetWork = new double[m][m];
    double[][] expertWork = new double[k][k];
    for (int i = 0; i < k; i++) {
      first[i] = Anticor.expert(logRelatives, first[i], i + 2, assetWork);
      second[i] = Anticor.expert(logExpertReturns, second[i], i + 2, expertWork);
    }
    combine();
  }

  /** b = Σ_l q_l first_l, with q the second fold combined by wealth. */
  private void combine() {
    double[] q = new double[k];
    double total = 0;
    for (int i = 0; i < k; i++) {
      total += secondWealth[i];
      for (int j = 0; j < k; j++) {
        q[j] += secondWealth[i] * second[i][j];
      }
    }
    java.util.Arrays.fill(b, 0);
    for (int l = 0; l < k; l++) {
      for (int j = 0; j < m; j++) {
        b[j] += q[l] / total * first[l][j];
      }
    }
    double s = Simplex.sum(b);
    for (int j = 0; j < m; j++) {
      b[j] /= s;
    }
  }

  private static double[] logOf(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.log(v[i]);
    }
    return out;
  }
}
