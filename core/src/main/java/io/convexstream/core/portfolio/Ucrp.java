package io.convexstream.core.portfolio;

/** Uniform constant rebalanced portfolio: 1/m in each asset every period. */
public final class Ucrp implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -4418016272210654092L;
  private final double[] b;

  public Ucrp(int m) {
    b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return "ucrp";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {}
}
