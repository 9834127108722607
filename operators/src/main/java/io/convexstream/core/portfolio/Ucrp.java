package io.convexstream.core.portfolio;

/** Uniform constant rebalanced portfolio: 1/m in each asset every period. */
public final class Ucrp implements PortfolioStrategy {
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
