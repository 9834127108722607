package io.convexstream.core.linalg;

/** Small dense/sparse vector kernels on {@code double[]}; a sparse vector is (indices, values). */
public final class Vectors {
  private Vectors() {}

  /** x += a * v, where v is dense ({@code indices == null}) or sparse. */
  public static void axpy(double[] x, double a, int[] indices, double[] values) {
    if (indices == null) {
      for (int i = 0; i < x.length; i++) {
        x[i] += a * values[i];
      }
    } else {
      for (int k = 0; k < indices.length; k++) {
        x[indices[k]] += a * values[k];
      }
    }
  }

  /** max_i |v_i|. */
  public static double normInf(double[] v) {
    double m = 0;
    for (double e : v) {
      m = Math.max(m, Math.abs(e));
    }
    return m;
  }

  public static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  public static double norm2(double[] v) {
    double s = 0;
    for (double e : v) {
      s += e * e;
    }
    return Math.sqrt(s);
  }

  /** Euclidean projection onto the ball {@code ||x|| <= radius}, in place; returns the new norm. */
  public static double projectOntoBall(double[] x, double radius) {
    double n = norm2(x);
    if (n > radius) {
      double s = radius / n;
      for (int i = 0; i < x.length; i++) {
        x[i] *= s;
      }
      return radius;
    }
    return n;
  }
}
