package io.convexstream.core.portfolio;

import io.convexstream.core.linalg.DenseMatrix;

/**
 * Best constant rebalanced portfolio in hindsight (for evaluation only: it sees the whole history):
 * b* = argmax_{b ∈ simplex} Σ_t log(b·x_t), found by an active-set Newton method on the simplex
 * (quadratic convergence; the objective is smooth and concave).
 */
public final class Bcrp implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 6535025219800420570L;
  private final double[] b;

  private Bcrp(double[] b) {
    this.b = b;
  }

  /** The BCRP of all the price relatives {@code x} (rows are periods). */
  public static Bcrp of(double[][] x) {
    return new Bcrp(optimise(x));
  }

  @Override
  public String name() {
    return "bcrp";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {}

  static double logWealth(double[][] x, double[] b) {
    double s = 0;
    for (double[] xt : x) {
      s += Math.log(Simplex.dot(b, xt));
    }
    return s;
  }

  static double[] optimise(double[][] x) {
    return optimise(x, Simplex.uniform(x[0].length));
  }

  /** As {@link #optimise(double[][])}, warm-started from {@code start} (its support is the first face). */
  static double[] optimise(double[][] x, double[] start) {
    int m = x[0].length;
    double[] b = start.clone();
    boolean[] free = new boolean[m];
    for (int i = 0; i < m; i++) {
      free[i] = b[i] > 0;
    }
    for (int iter = 0; iter < 5000; iter++) {
      double[] grad = new double[m];
      double[] hess = new double[m * m];
      for (double[] xt : x) {
        double r = Simplex.dot(b, xt);
        for (int i = 0; i < m; i++) {
          grad[i] += xt[i] / r;
        }
        DenseMatrix.addOuter(hess, xt, 1 / (r * r));
      }
      int[] f = java.util.stream.IntStream.range(0, m).filter(i -> free[i]).toArray();
      int k = f.length;
      double[] h = new double[k * k];
      double[] g = new double[k];
      double[] ones = new double[k];
      for (int a = 0; a < k; a++) {
        g[a] = grad[f[a]];
        ones[a] = 1;
        for (int c = 0; c < k; c++) {
          h[a * k + c] = hess[f[a] * m + f[c]];
        }
      }
      // Newton direction on the free face for maximising under Σd = 0:
      // d = H⁻¹(g − ν1), ν = (1ᵀH⁻¹g)/(1ᵀH⁻¹1); ν is the face's Lagrange multiplier
      double[] hg = DenseMatrix.solveShifted(h, 1e-12, g);
      double[] h1 = DenseMatrix.solveShifted(h, 1e-12, ones);
      double nu = Simplex.sum(hg) / Simplex.sum(h1);
      double[] d = new double[k];
      double decrement = 0;
      for (int a = 0; a < k; a++) {
        d[a] = hg[a] - nu * h1[a];
        decrement += d[a] * (g[a] - nu);
      }
      if (decrement < 1e-18) {
        // optimal on this face: free the asset that violates the KKT conditions most, or stop
        int worst = -1;
        for (int i = 0; i < m; i++) {
          if (!free[i] && grad[i] > nu * (1 + 1e-12) && (worst < 0 || grad[i] > grad[worst])) {
            worst = i;
          }
        }
        if (worst < 0) {
          break;
        }
        free[worst] = true;
        continue;
      }
      double step = 1;
      int blocking = -1;
      for (int a = 0; a < k; a++) {
        if (d[a] < 0 && b[f[a]] + step * d[a] <= 0) {
          step = -b[f[a]] / d[a];
          blocking = f[a];
        }
      }
      double before = logWealth(x, b);
      double[] next = b.clone();
      while (true) {
        for (int a = 0; a < k; a++) {
          next[f[a]] = Math.max(0, b[f[a]] + step * d[a]);
        }
        if (blocking >= 0) {
          next[blocking] = 0;
        }
        if (logWealth(x, next) >= before || step < 1e-14) {
          break;
        }
        step /= 2;
        blocking = -1;
      }
      System.arraycopy(next, 0, b, 0, m);
      if (blocking >= 0) {
        free[blocking] = false;
      }
      double total = Simplex.sum(b);
      for (int i = 0; i < m; i++) {
        b[i] /= total;
      }
    }
    return b;
  }

}
