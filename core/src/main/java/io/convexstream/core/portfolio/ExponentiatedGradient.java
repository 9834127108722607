package io.convexstream.core.portfolio;

/** EG (Helmbold et al. 1998): b_{t+1,i} ∝ b_{t,i}·exp(η x_{t,i} / (b_t·x_t)). Default η = 0.05. */
public final class ExponentiatedGradient implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -475390167585094408L;
  private final double eta;
  private final double[] b;

  public ExponentiatedGradient(int m, double eta) {
    this.eta = eta;
    this.b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return "eg";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    double r = Simplex.dot(b, x);
    double sum = 0;
    for (int i = 0; i < b.length; i++) {
      b[i] *= Math.exp(eta * x[i] / r);
      sum += b[i];
    }
    for (int i = 0; i < b.length; i++) {
      b[i] /= sum;
    }
  }
}
