package io.convexstream.core.portfolio;

import io.convexstream.core.linalg.DenseMatrix;

/**
 * Online Newton Step for portfolios (Agarwal, Hazan, Kale, Schapire 2006), as in the OLPS toolbox:
 * with ∇_t = x_t/(b_t·x_t), A ← A + ∇∇ᵀ (A_0 = I), c ← c + (1 + 1/β)∇, then
 * p = argmin_{p ∈ simplex} (p − δA⁻¹c)ᵀ A (p − δA⁻¹c) and b_{t+1} = (1 − η)p + η/m.
 * Defaults η = 0, β = 1, δ = 1/8. The projection in the A-norm is an exact active-set solve of the
 * quadratic program, warm-started from the previous period's support, so long histories stay fast.
 */
public final class OnlineNewtonStep implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -1490859130828321954L;
  private final double eta;
  private final double beta;
  private final double delta;
  private final int m;
  private final double[] a;
  private final double[] c;
  private final double[] b;
  private boolean[] support;

  public OnlineNewtonStep(int m, double eta, double beta, double delta) {
    this.m = m;
    this.eta = eta;
    this.beta = beta;
    this.delta = delta;
    this.a = DenseMatrix.scaledIdentity(m, 1.0);
    this.c = new double[m];
    this.b = Simplex.uniform(m);
    this.support = new boolean[m];
    java.util.Arrays.fill(support, true);
  }

  @Override
  public String name() {
    return "ons";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    double r = Simplex.dot(b, x);
    double[] grad = new double[m];
    for (int i = 0; i < m; i++) {
      grad[i] = x[i] / r;
      c[i] += (1 + 1 / beta) * grad[i];
    }
    DenseMatrix.addOuter(a, grad, 1.0);
    double[] target = DenseMatrix.solveShifted(a, 0, c);
    for (int i = 0; i < m; i++) {
      target[i] *= delta;
    }
    double[] p = projectOntoSimplex(a, target);
    for (int i = 0; i < m; i++) {
      b[i] = (1 - eta) * p[i] + eta / m;
    }
  }

  /** argmin_{p ≥ 0, Σp = 1} (p − q)ᵀ A (p − q), by a primal active-set method. */
  double[] projectOntoSimplex(double[] aMatrix, double[] q) {
    double[] aq = DenseMatrix.multiply(aMatrix, q);
    // a feasible start on the previous support: the uniform point over it
    int count = 0;
    for (boolean s : support) {
      count += s ? 1 : 0;
    }
    if (count == 0) {
      java.util.Arrays.fill(support, true);
      count = m;
    }
    double[] y = new double[m];
    for (int i = 0; i < m; i++) {
      y[i] = support[i] ? 1.0 / count : 0;
    }
    boolean[] free = support.clone();
    for (int iter = 0; iter < 10 * m + 100; iter++) {
      int[] f = java.util.stream.IntStream.range(0, m).filter(i -> free[i]).toArray();
      int k = f.length;
      double[] sub = new double[k * k];
      double[] rhs = new double[k];
      double[] ones = new double[k];
      for (int u = 0; u < k; u++) {
        rhs[u] = aq[f[u]];
        ones[u] = 1;
        for (int v = 0; v < k; v++) {
          sub[u * k + v] = aMatrix[f[u] * m + f[v]];
        }
      }
      double[] s1 = DenseMatrix.solveShifted(sub, 0, rhs);
      double[] s2 = DenseMatrix.solveShifted(sub, 0, ones);
      double nu = (1 - Simplex.sum(s1)) / Simplex.sum(s2);
      double[] target = new double[m];
      for (int u = 0; u < k; u++) {
        target[f[u]] = s1[u] + nu * s2[u];
      }
      // move from y towards the face optimum, stopping where a coordinate reaches 0
      double step = 1;
      int blocking = -1;
      for (int u = 0; u < k; u++) {
        int i = f[u];
        if (target[i] < 0) {
          double t = y[i] / (y[i] - target[i]);
          if (t < step) {
            step = t;
            blocking = i;
          }
        }
      }
      for (int u = 0; u < k; u++) {
        int i = f[u];
        y[i] += step * (target[i] - y[i]);
      }
      if (blocking >= 0) {
        y[blocking] = 0;
        free[blocking] = false;
        continue;
      }
      // face optimum reached: a fixed coordinate with a negative multiplier enters the support
      double[] gradient = DenseMatrix.multiply(aMatrix, y);
      int enter = -1;
      double most = -1e-12 * (1 + Math.abs(nu));
      for (int i = 0; i < m; i++) {
        if (!free[i]) {
          double mu = gradient[i] - aq[i] - nu;
          if (mu < most) {
            most = mu;
            enter = i;
          }
        }
      }
      if (enter < 0) {
        break;
      }
      free[enter] = true;
    }
    support = free;
    return y;
  }

}
