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
    int d = b.length;
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
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) {
        s -= l[i * d + k] * y[k];
      }
      y[i] = s / l[i * d + i];
    }
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
   * with μ > 0 found by bisection so that ||x(μ)|| = R (||x(μ)|| decreases in μ).
   */
  public static double[] projectOntoBallInNorm(double[] u, double[] y, double radius) {
    if (Vectors.norm2(y) <= radius) {
      return y.clone();
    }
    double[] uy = multiply(u, y);
    double lo = 0;
    double hi = 1;
    while (Vectors.norm2(solveShifted(u, hi, uy)) > radius) {
      hi *= 2;
    }
    for (int iter = 0; iter < 100 && hi - lo > 1e-14 * Math.max(1, hi); iter++) {
      double mid = 0.5 * (lo + hi);
      if (Vectors.norm2(solveShifted(u, mid, uy)) > radius) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double[] x = solveShifted(u, hi, uy);
    Vectors.projectOntoBall(x, radius); // removes the last ~1e-14 of bisection slack
    return x;
  }
}
