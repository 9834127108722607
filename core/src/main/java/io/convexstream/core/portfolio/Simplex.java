package io.convexstream.core.portfolio;

import io.convexstream.core.domain.ProbabilitySimplex;

/** Small helpers on portfolio vectors. */
final class Simplex {
  private static final ProbabilitySimplex SIMPLEX = new ProbabilitySimplex();

  private Simplex() {}

  static double[] uniform(int m) {
    return SIMPLEX.initialPoint(m);
  }

  /** Euclidean projection onto the simplex, in place. */
  static void project(double[] b) {
    SIMPLEX.project(b);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double e : v) {
      s += e;
    }
    return s;
  }

  static double mean(double[] v) {
    return sum(v) / v.length;
  }
}
