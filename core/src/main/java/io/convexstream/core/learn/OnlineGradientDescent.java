package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;

/**
 * Projected online gradient descent (Zinkevich 2003): x_{t+1} = Π(x_t − η_t g_t), η_t = D/(G√t).
 * Regret O(DG√T) against any fixed point of the domain. The non-adaptive baseline. Without a configured
 * G it uses G_t = max_{s≤t} ||g_s|| (scale-free: the step shrinks to fit the gradients actually seen).
 */
public final class OnlineGradientDescent extends BaseLearner {
  public static final String ID = "ogd";
  private final Domain domain;
  private final double diameter;
  private final double gradientBound;
  private final double[] x;
  private double largestSquaredGradient;
  private double eta;

  /** @param gradientBound G, or NaN to use the largest gradient seen so far */
  OnlineGradientDescent(Domain domain, int dim, double gradientBound, LearnerState s) {
    super(ID, s);
    this.domain = domain;
    this.diameter = domain.diameter(dim);
    this.gradientBound = gradientBound;
    this.x = s == null ? domain.initialPoint(dim) : s.array("x");
    this.eta = s == null ? 0 : s.scalar("eta", 0);
    // state saved before G_t was kept continues with the then default G = 1 as its floor
    this.largestSquaredGradient = s == null ? 0 : s.scalar("largestSquaredGradient", 1);
  }

  /** η_t for round t ≥ 1. */
  private double stepSize(long round) {
    double bound = Double.isNaN(gradientBound) ? Math.sqrt(largestSquaredGradient) : gradientBound;
    return bound == 0 ? 0 : diameter / (bound * Math.sqrt(round)); // a zero gradient moves nothing
  }

  @Override
  public void update(GradientVector g) {
    if (Double.isNaN(gradientBound)) { // scale-free: the step needs the largest ||g|| (no extra pass otherwise)
      double squaredNorm = g.squaredNorm();
      if (!Double.isFinite(squaredNorm)) { // the step would be 0 for ever
        throw new NonFiniteUpdateException("the gradient's ||g||² overflows");
      }
      if (squaredNorm == 0 && largestSquaredGradient == 0 && g.maxAbs() > 0) { // else η = D/0: no step, or one of any length
        throw new NonFiniteUpdateException("the gradient's ||g||² underflows to 0 (max |g_i| = " + g.maxAbs()
            + "): without G, ogd cannot size a step from it; set G or rescale the loss");
      }
      largestSquaredGradient = Math.max(largestSquaredGradient, squaredNorm);
    }
    t++;
    eta = stepSize(t);
    g.addTo(x, -eta);
    if (g.indices() != null && domain.coordinatewise()) {
      domain.project(x, g.indices()); // O(non-zeros)
    } else {
      domain.project(x);
    }
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

  @Override
  public double stepSize() {
    return eta;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = newState();
    s.arrays.put("x", x.clone());
    s.scalars.put("eta", eta);
    s.scalars.put("largestSquaredGradient", largestSquaredGradient);
    return s;
  }
}
