package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;

/**
 * Projected online gradient descent (Zinkevich 2003): x_{t+1} = Π(x_t − η_t g_t), η_t = D/(G√t).
 * Regret O(DG√T) against any fixed point of the domain. The non-adaptive baseline.
 */
public final class OnlineGradientDescent implements OnlineLearner {
  public static final String ID = "ogd";
  private final Domain domain;
  private final double diameter;
  private final double gradientBound;
  private final double[] x;
  private long t;
  private double eta;

  OnlineGradientDescent(Domain domain, int dim, double gradientBound, LearnerState s) {
    this.domain = domain;
    this.diameter = domain.diameter(dim);
    this.gradientBound = gradientBound;
    this.x = s == null ? domain.initialPoint(dim) : s.array("x");
    this.t = s == null ? 0 : s.rounds;
    this.eta = s == null ? 0 : s.scalar("eta", 0);
  }

  /** η_t for round t ≥ 1. */
  public double stepSize(long round) {
    return diameter / (gradientBound * Math.sqrt(round));
  }

  @Override
  public void update(GradientVector g) {
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
  public LearnerState exportState() {
    LearnerState s = new LearnerState(ID, t);
    s.arrays.put("x", x.clone());
    s.scalars.put("eta", eta);
    return s;
  }
}
