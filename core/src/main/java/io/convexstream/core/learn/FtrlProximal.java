package io.convexstream.core.learn;

import io.convexstream.core.linalg.GradientVector;

/**
 * FTRL-Proximal with per-coordinate learning rates and L1/L2 regularization (McMahan et al. 2013,
 * "Ad Click Prediction", Algorithm 1). Per coordinate: σ = (√(n + g²) − √n)/α, z += g − σ·w, n += g²,
 * and w = 0 if |z| ≤ λ₁, else −(z − sgn(z)λ₁) / ((β + √n)/α + λ₂). Unconstrained; O(non-zeros)
 * per update, and L1 keeps the weights sparse.
 */
public final class FtrlProximal extends BaseLearner {
  public static final String ID = "ftrl";
  private final double alpha;
  private final double beta;
  private final double l1;
  private final double l2;
  private final double[] z;
  private final double[] n;
  private final double[] w;

  FtrlProximal(int dim, double alpha, double beta, double l1, double l2, LearnerState s) {
    super(ID, s);
    if (!(alpha > 0) || beta < 0 || l1 < 0 || l2 < 0) {
      throw new IllegalArgumentException("ftrl needs alpha > 0 and beta, l1, l2 ≥ 0");
    }
    this.alpha = alpha;
    this.beta = beta;
    this.l1 = l1;
    this.l2 = l2;
    this.z = s == null ? new double[dim] : s.array("z");
    this.n = s == null ? new double[dim] : s.array("n");
    this.w = new double[z.length]; // z.length, not dim: restored on some coordinates only (see OnlineLearner)
    for (int i = 0; i < w.length; i++) {
      w[i] = weight(i);
    }
  }

  private double weight(int i) {
    if (Math.abs(z[i]) <= l1) {
      return 0;
    }
    return -(z[i] - Math.signum(z[i]) * l1) / ((beta + Math.sqrt(n[i])) / alpha + l2);
  }

  @Override
  public void update(GradientVector g) {
    int[] idx = g.indices();
    double[] v = g.values();
    for (int k = 0; k < v.length; k++) { // checked first: an update is all or nothing
      int i = idx == null ? k : idx[k];
      if (!Double.isFinite(n[i] + v[k] * v[k])) {
        throw new NonFiniteUpdateException("the gradient's entry " + v[k] + " at " + i + " would make ftrl's sum of squares infinite");
      }
    }
    for (int k = 0; k < v.length; k++) {
      int i = idx == null ? k : idx[k];
      double gi = v[k];
      double sigma = (Math.sqrt(n[i] + gi * gi) - Math.sqrt(n[i])) / alpha;
      z[i] += gi - sigma * w[i];
      n[i] += gi * gi;
      w[i] = weight(i);
    }
    t++;
  }

  @Override
  public boolean updatesOnlyGradientCoordinates() {
    return true;
  }

  @Override
  public double[] decision() {
    return w;
  }

  /** α/(β + 1): the rate of a coordinate whose squared gradients sum to 1. */
  @Override
  public double stepSize() {
    return alpha / (beta + 1);
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = newState();
    s.arrays.put("z", z.clone());
    s.arrays.put("n", n.clone());
    return s;
  }
}
