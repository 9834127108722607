package io.convexstream.core.portfolio;

/** The best single asset in hindsight (for evaluation only): all wealth in the asset that grew most. */
public final class Best implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -1799455170273930755L;
  private final double[] b;

  private Best(double[] b) {
    this.b = b;
  }

  public static Best of(double[][] x) {
    int m = x[0].length;
    double[] growth = new double[m];
    java.util.Arrays.fill(growth, 1);
    for (double[] xt : x) {
      for (int i = 0; i < m; i++) {
        growth[i] *= xt[i];
      }
    }
    int best = 0;
    for (int i = 1; i < m; i++) {
      if (growth[i] > growth[best]) {
        best = i;
      }
    }
    double[] b = new double[m];
    b[best] = 1;
    return new Best(b);
  }

  @Override
  public String name() {
    return "best";
  }

  @Override
  public double[] weights() {
    return b;
  }

  /** Buy and hold: the weight stays on the one asset. */
  @Override
  public void observe(double[] x) {}
}
