package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.ProbabilitySimplex;
import io.convexstream.core.linalg.GradientVector;

/**
 * Optimistic Hedge on the probability simplex in follow-the-regularised-leader form (optimistic FTRL
 * with the entropic regulariser, Rakhlin and Sridharan 2013; Orabona, "A Modern Introduction to Online
 * Learning", §7.12): x_t ∝ exp(−η_t (Σ_{s<t} g_s + M_t)), M_t = g_{t−1}, with
 * η_t = √(ln d / (δ + Σ_{s<t} ||g_s − M_s||²_∞)) (dual norm ℓ∞). Regret ≤ 2√(ln d · (δ + Σ_t ||g_t − M_t||²_∞))
 * plus a term in max_t ||g_t − M_t||∞. The FTRL form matters because η_t decreases: the mirror-descent
 * form (x̂ ← x̂·e^{−η_t g_t}) keeps what a large early η did and has no such guarantee — on two experts
 * its regret grows far past the bound (OptimisticHedgeRegretTest). The cumulative loss is kept shifted
 * so its smallest entry is 0 (the play depends only on differences).
 */
public final class OptimisticHedge extends BaseLearner {
  public static final String ID = "opt-hedge";
  private final double delta;
  private final double logD;
  private final double[] cumulativeLoss;
  private final double[] x;
  private GradientVector hint;
  private double variation;
  private double eta;

  OptimisticHedge(Domain domain, int dim, double delta, LearnerState s) {
    super(ID, s);
    if (!(domain instanceof ProbabilitySimplex)) {
      throw new IllegalArgumentException(ID + " plays on the probability simplex (domain=simplex), not " + domain);
    }
    this.delta = delta;
    this.logD = Math.log(Math.max(2, dim));
    if (s == null) {
      cumulativeLoss = new double[dim];
      hint = GradientVector.zero(dim);
    } else {
      hint = GradientVector.dense(s.array("hint"));
      variation = s.scalar("variation", 0);
      cumulativeLoss = s.arrays.containsKey("logWeights")
          ? lossFromLogWeights(s.array("logWeights"), stepSize(delta + variation)) : s.array("cumulativeLoss");
    }
    x = new double[dim];
    play();
  }

  private double stepSize(double variationSoFar) {
    return Math.sqrt(logD / variationSoFar);
  }

  /**
   * State saved by the mirror-descent form (log-weights, by earlier versions) continues in FTRL form from the
   * same play: the cumulative loss L with exp(−η L) = the saved weights.
   */
  static double[] lossFromLogWeights(double[] logWeights, double eta) {
    double[] loss = new double[logWeights.length];
    for (int i = 0; i < loss.length; i++) {
      loss[i] = -logWeights[i] / eta;
    }
    shiftMinToZero(loss);
    return loss;
  }

  private void play() {
    eta = stepSize(delta + variation);
    double[] z = cumulativeLoss.clone();
    hint.addTo(z, 1);
    for (int i = 0; i < z.length; i++) {
      z[i] *= -eta;
    }
    softmax(z, x);
  }

  /** Subtracts the smallest entry from every entry: a cumulative loss keeps its differences and stays bounded. */
  static void shiftMinToZero(double[] loss) {
    double min = Double.POSITIVE_INFINITY;
    for (double v : loss) {
      min = Math.min(min, v);
    }
    for (int i = 0; i < loss.length; i++) {
      loss[i] -= min;
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
      if (!Double.isFinite(cumulativeLoss[i] + dense[i])) {
        throw new NonFiniteUpdateException("expert " + i + "'s cumulative loss would overflow (" + cumulativeLoss[i] + " + " + dense[i] + ")");
      }
    }
    if (!Double.isFinite(variation + diff * diff)) { // else η = 0 for ever: the weights would silently freeze
      throw new NonFiniteUpdateException("the gradient's ||g − M||∞² = " + diff * diff + " would make the accumulated variation infinite");
    }
    variation += diff * diff;
    g.addTo(cumulativeLoss, 1);
    shiftMinToZero(cumulativeLoss);
    hint = g;
    t++;
    play();
  }

  @Override
  public double[] decision() {
    return x;
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
    LearnerState s = newState();
    s.arrays.put("cumulativeLoss", cumulativeLoss.clone());
    s.arrays.put("hint", hint.toDense());
    s.scalars.put("variation", variation);
    return s;
  }
}
