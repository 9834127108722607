package io.convexstream.core.linalg;

/** Square matrices stored row-major in a {@code double[d*d]}: the few kernels second-order learners need. */
public final class DenseMatrix {
  private DenseMatrix() {}

  public static double[] scaledIdentity(int d, double s) {
    double[] a = new double[d * d];
    for (int i = 0; i < d; i++) {
      a[i * d + i] = s;
    }
    return a;
  }

  /** y = A v. */
  public static double[] multiply(double[] a, double[] v) {
    int d = v.length;
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      double s = 0;
      int row = i * d;
      for (int j = 0; j < d; j++) {
        s += a[row + j] * v[j];
      }
      y[i] = s;
    }
    return y;
  }

  /** A += s u uᵀ. */
  public static void addOuter(double[] a, double[] u, double s) {
    int d = u.length;
    for (int i = 0; i < d; i++) {
      double su = s * u[i];
      int row = i * d;
      for (int j = 0; j < d; j++) {
        a[row + j] += su * u[j];
      }
    }
  }

  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Solves (A + μI) x = b for symmetric positive definite A by Cholesky. O(d³). */
  public static double[] solveShifted(double[] a, double mu, double[] b) {
    double[] l = cholesky(a, mu);
    return backward(l, forward(l, b));
  }

  /** The lower-triangular L with L Lᵀ = A + μI (row-major), for symmetric positive definite A. O(d³/3). */
  private static double[] cholesky(double[] a, double mu) {
    int d = (int) Math.round(Math.sqrt(a.length));
    double[] l = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i * d + j] + (i == j ? mu : 0);
        for (int k = 0; k < j; k++) {
          s -= l[i * d + k] * l[j * d + k];
        }
        if (i == j) {
          if (!(s > 0)) {
            throw new ArithmeticException("matrix is not positive definite");
          }
          l[i * d + i] = Math.sqrt(s);
        } else {
          l[i * d + j] = s / l[j * d + j];
        }
      }
    }
    return l;
  }

  /** Solves L y = b. */
  private static double[] forward(double[] l, double[] b) {
    int d = b.length;
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) {
        s -= l[i * d + k] * y[k];
      }
      y[i] = s / l[i * d + i];
    }
    return y;
  }

  /** Solves Lᵀ x = y. */
  private static double[] backward(double[] l, double[] y) {
    int d = y.length;
    double[] x = new double[d];
    for (int i = d - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < d; k++) {
        s -= l[k * d + i] * x[k];
      }
      x[i] = s / l[i * d + i];
    }
    return x;
  }

  /**
   * argmin_{||x|| ≤ R} (x − y)ᵀ U (x − y): y itself when inside the ball, else x(μ) = (U + μI)⁻¹ U y
   * with μ > 0 such that ||x(μ)|| = R, found by Newton's method on φ(μ) = 1/||x(μ)|| − 1/R (Moré and
   * Sorensen 1983, as for trust regions: φ is concave and nearly linear, so Newton from μ = 0, where
   * φ < 0, increases μ monotonically without overshooting and converges in a few steps). Each step is
   * one Cholesky factorisation, O(d³/3); bisection needed ~50 of them (1.04 s at d = 400 before).
   */
  public static double[] projectOntoBallInNorm(double[] u, double[] y, double radius) {
    if (Vectors.norm2(y) <= radius) {
      return y.clone();
    }
    double[] uy = multiply(u, y);
    double mu = 0;
    for (int iter = 0; ; iter++) {
      double[] l = cholesky(u, mu);
      double[] x = backward(l, forward(l, uy));
      double n = Vectors.norm2(x);
      if (!Double.isFinite(n)) {
        return x; // a non-finite point: the learner refuses the update
      }
      if (n <= radius * (1 + 1e-13) || iter == 100) {
        Vectors.projectOntoBall(x, radius); // removes the last ~1e-13 of slack
        return x;
      }
      double[] q = forward(l, x); // ||q||² = xᵀ(U + μI)⁻¹x = −||x|| d||x||/dμ
      mu += (n - radius) / radius * (n * n) / dot(q, q);
      if (!Double.isFinite(mu)) {
        java.util.Arrays.fill(x, Double.NaN);
        return x;
      }
    }
  }
}
