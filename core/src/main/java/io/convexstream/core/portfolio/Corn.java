package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;

/**
 * Correlation-driven nonparametric learning (Li, Hoi, Gopalkrishnan 2011), the CORN expert of the
 * reference toolbox: the periods i whose preceding window of W relatives correlates with the latest
 * window by at least ρ (Pearson, over all W·m values) are "similar"; b_{t+1} is the best constant
 * rebalanced portfolio on the relatives that followed them (uniform when there are none, or while
 * t ≤ W + 1). Defaults W = 5, ρ = 0.1.
 */
public final class Corn implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 4993879853147583164L;
  private final int window;
  private final double rho;
  private final List<double[]> history = new ArrayList<>();
  private double[] b;

  public Corn(int m, int window, double rho) {
    this.window = window;
    this.rho = rho;
    this.b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return "corn";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    history.add(x.clone());
    int t = history.size();
    int m = x.length;
    if (t <= window + 1) {
      b = Simplex.uniform(m);
      return;
    }
    List<double[]> similar = new ArrayList<>();
    for (int i = window; i < t; i++) { // 0-based: the window before period i, then period i
      if (correlation(i - window, t - window) >= rho) {
        similar.add(history.get(i));
      }
    }
    // warm start from the last portfolio: consecutive similar sets overlap, so few Newton steps remain
    b = similar.isEmpty() ? Simplex.uniform(m) : Bcrp.optimise(similar.toArray(double[][]::new), b);
  }

  /** Pearson correlation of the W·m values of the windows starting at a and at c. */
  private double correlation(int a, int c) {
    int m = history.get(0).length;
    int n = window * m;
    double sa = 0;
    double sc = 0;
    for (int s = 0; s < window; s++) {
      double[] ra = history.get(a + s);
      double[] rc = history.get(c + s);
      for (int j = 0; j < m; j++) {
        sa += ra[j];
        sc += rc[j];
      }
    }
    double ma = sa / n;
    double mc = sc / n;
    double cov = 0;
    double va = 0;
    double vc = 0;
    for (int s = 0; s < window; s++) {
      double[] ra = history.get(a + s);
      double[] rc = history.get(c + s);
      for (int j = 0; j < m; j++) {
        double da = ra[j] - ma;
        double dc = rc[j] - mc;
        cov += da * dc;
        va += da * da;
        vc += dc * dc;
      }
    }
    return va == 0 || vc == 0 ? Double.NaN : cov / Math.sqrt(va * vc);
  }
}
