package io.convexstream.core.domain;

import java.util.Arrays;

/** {x : x_i ≥ 0, Σx_i = 1}, diameter √2. Projection: sort-based, exact, O(d log d). */
public record ProbabilitySimplex() implements Domain {
  @Override
  public void project(double[] x) {
    int d = x.length;
    double[] u = x.clone();
    Arrays.sort(u); // ascending; walk it from the largest
    double cumulative = 0;
    double theta = 0;
    for (int k = 1; k <= d; k++) {
      double uk = u[d - k];
      cumulative += uk;
      double t = (cumulative - 1) / k;
      if (uk - t > 0) {
        theta = t;
      } else {
        break;
      }
    }
    for (int i = 0; i < d; i++) {
      x[i] = Math.max(0, x[i] - theta);
    }
  }

  @Override
  public double diameter(int dim) {
    return Math.sqrt(2);
  }

  @Override
  public double[] linearMinimizer(double[] c) {
    int best = 0;
    for (int i = 1; i < c.length; i++) {
      if (c[i] < c[best]) {
        best = i;
      }
    }
    double[] u = new double[c.length];
    u[best] = 1;
    return u;
  }

  @Override
  public double[] initialPoint(int dim) {
    double[] x = new double[dim];
    Arrays.fill(x, 1.0 / dim);
    return x;
  }
}
