package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.ProbabilitySimplex;
import io.convexstream.core.linalg.GradientVector;

/**
 * Optimistic OMD with the entropic mirror map on the probability simplex (optimistic Hedge /
 * exponentiated gradient): x_t ∝ x̂_t·exp(−η_t M_t), x̂_{t+1} ∝ x̂_t·exp(−η_t g_t), M_t = g_{t−1},
 * with η_t = √(ln d / (δ + Σ_{s<t} ||g_s − M_s||²_∞)) — the entropic analogue of the adaptive
 * Euclidean step (dual norm ℓ∞). x̂ is kept in log space so long runs neither underflow nor overflow.
 */
public final class OptimisticHedge implements OnlineLearner {
  public static final String ID = "opt-hedge";
  private final double delta;
  private final double logD;
  private final double[] logWeights;
  private final double[] x;
  private GradientVector hint;
  private double variation;
  private long t;
  private double eta;

  OptimisticHedge(Domain domain, int dim, double delta, LearnerState s) {
    if (!(domain instanceof ProbabilitySimplex)) {
      throw new IllegalArgumentException(ID + " plays on the probability simplex (domain=simplex), not " + domain);
    }
    this.delta = delta;
    this.logD = Math.log(Math.max(2, dim));
    if (s == null) {
      logWeights = new double[dim];
      hint = GradientVector.zero(dim);
    } else {
      logWeights = s.array("logWeights");
      hint = GradientVector.dense(s.array("hint"));
      variation = s.scalar("variation", 0);
      t = s.rounds;
    }
    x = new double[dim];
    play();
  }

  private void play() {
    eta = Math.sqrt(logD / (delta + variation));
    double[] z = logWeights.clone();
    hint.addTo(z, -eta);
    softmax(z, x);
  }

  /** Subtracts the largest entry from every entry: log-weights keep their ratios and stay bounded. */
  static void shiftMaxToZero(double[] logWeights) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : logWeights) {
      max = Math.max(max, v);
    }
    for (int i = 0; i < logWeights.length; i++) {
      logWeights[i] -= max;
    }
  }

  /** out = exp(z) / Σ exp(z), computed stably. */
  static void softmax(double[] z, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      out[i] = Math.exp(z[i] - max);
      sum += out[i];
    }
    for (int i = 0; i < z.length; i++) {
      out[i] /= sum;
    }
  }

  @Override
  public void update(GradientVector g) {
    double diff = 0;
    double[] dense = g.toDense();
    double[] m = hint.toDense();
    for (int i = 0; i < dense.length; i++) {
      diff = Math.max(diff, Math.abs(dense[i] - m[i]));
    }
    if (!Double.isFinite(variation + diff * diff)) { // else η = 0 for ever: the weights would silently freeze
      throw new NonFiniteUpdateException("the gradient's ||g − M||∞² = " + diff * diff + " would make the accumulated variation infinite");
    }
    variation += diff * diff;
    g.addTo(logWeights, -eta);
    shiftMaxToZero(logWeights);
    hint = g;
    t++;
    play();
  }

  @Override
  public String algorithm() {
    return ID;
  }

  @Override
  public double[] decision() {
    return x;
  }

  @Override
  public long rounds() {
    return t;
  }

  @Override
  public double stepSize() {
    return eta;
  }

  @Override
  public double gradientVariation() {
    return variation;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = new LearnerState(ID, t);
    s.arrays.put("logWeights", logWeights.clone());
    s.arrays.put("hint", hint.toDense());
    s.scalars.put("variation", variation);
    return s;
  }
}
