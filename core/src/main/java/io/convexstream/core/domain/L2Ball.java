package io.convexstream.core.domain;

import io.convexstream.core.linalg.Vectors;

/** {x : ||x||₂ ≤ R}, diameter 2R. */
public record L2Ball(double radius) implements Domain {
  public L2Ball {
    if (!(radius > 0)) {
      throw new IllegalArgumentException("radius must be positive");
    }
  }

  @Override
  public void project(double[] x) {
    Vectors.projectOntoBall(x, radius);
  }

  @Override
  public double diameter(int dim) {
    return 2 * radius;
  }

  @Override
  public double[] linearMinimizer(double[] c) {
    double n = Vectors.norm2(c);
    double[] u = new double[c.length];
    for (int i = 0; n > 0 && i < c.length; i++) {
      u[i] = -radius * c[i] / n;
    }
    return u;
  }

  @Override
  public double[] initialPoint(int dim) {
    return new double[dim];
  }
}
