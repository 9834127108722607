package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;

/**
 * Diagonal AdaGrad (Duchi, Hazan, Singer 2011): per coordinate, x_i ← x_i − η g_i / √(Σ_s g_{s,i}²),
 * then the Euclidean projection onto the domain (exact for boxes, where the diagonal-norm and
 * Euclidean projections coincide; an approximation for balls and simplices). Sparse gradients cost
 * O(non-zeros) plus the projection. Default η = D/√2.
 */
public final class AdaGrad extends BaseLearner {
  public static final String ID = "adagrad";
  private final Domain domain;
  private final double eta;
  private final double[] x;
  private final double[] sumSquares;

  AdaGrad(Domain domain, int dim, double eta, LearnerState s) {
    super(ID, s);
    this.domain = domain;
    this.eta = eta;
    this.x = s == null ? domain.initialPoint(dim) : s.array("x");
    this.sumSquares = s == null ? new double[dim] : s.array("sumSquares");
  }

  @Override
  public void update(GradientVector g) {
    int[] idx = g.indices();
    double[] v = g.values();
    for (int k = 0; k < v.length; k++) { // all or nothing: check before changing anything
      int i = idx == null ? k : idx[k];
      if (!Double.isFinite(sumSquares[i] + v[k] * v[k])) { // else that coordinate's step would be 0 for ever
        throw new NonFiniteUpdateException("the gradient's entry " + v[k] + " at " + i + " would make adagrad's sum of squares infinite");
      }
    }
    for (int k = 0; k < v.length; k++) {
      int i = idx == null ? k : idx[k];
      if (v[k] != 0) {
        double sum = sumSquares[i] + v[k] * v[k];
        // below the normal range g² underflows (a first gradient ≤ 1e-162 gave v / 0 = ±∞): the root from hypot instead
        double root = sum >= Double.MIN_NORMAL ? Math.sqrt(sum) : Math.hypot(Math.sqrt(sumSquares[i]), v[k]);
        sumSquares[i] = sum;
        x[i] -= eta * v[k] / root;
      }
    }
    if (idx != null && domain.coordinatewise()) {
      domain.project(x, idx); // O(non-zeros)
    } else {
      domain.project(x);
    }
    t++;
  }

  /** On a box or all of ℝ^d (projection coordinate by coordinate). */
  @Override
  public boolean updatesOnlyGradientCoordinates() {
    return domain.coordinatewise();
  }

  @Override
  public double[] decision() {
    return x;
  }

  /** The base rate η (each coordinate divides it by its own √Σg²). */
  @Override
  public double stepSize() {
    return eta;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = newState();
    s.arrays.put("x", x.clone());
    s.arrays.put("sumSquares", sumSquares.clone());
    return s;
  }
}
