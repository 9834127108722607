package io.convexstream.core.portfolio;

/** Uniform buy-and-hold: invest 1/m in each asset once and let the weights drift with prices. */
public final class Ubah implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 381042552402234621L;
  private final double[] b;

  public Ubah(int m) {
    b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return "ubah";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    double r = Simplex.dot(b, x);
    for (int i = 0; i < b.length; i++) {
      b[i] = b[i] * x[i] / r;
    }
  }
}
