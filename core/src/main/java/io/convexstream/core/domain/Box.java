package io.convexstream.core.domain;

/** {x : lo ≤ x_i ≤ hi}, diameter (hi − lo)·√d. */
public record Box(double lo, double hi) implements Domain {
  public Box {
    if (!(hi > lo)) {
      throw new IllegalArgumentException("box needs lo < hi");
    }
  }

  @Override
  public void project(double[] x) {
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.min(hi, Math.max(lo, x[i]));
    }
  }

  @Override
  public boolean coordinatewise() {
    return true;
  }

  @Override
  public void project(double[] x, int[] indices) {
    for (int i : indices) {
      x[i] = Math.min(hi, Math.max(lo, x[i]));
    }
  }

  @Override
  public double diameter(int dim) {
    return (hi - lo) * Math.sqrt(dim);
  }

  @Override
  public double[] linearMinimizer(double[] c) {
    double[] u = new double[c.length];
    for (int i = 0; i < c.length; i++) {
      u[i] = c[i] > 0 ? lo : c[i] < 0 ? hi : Math.min(hi, Math.max(lo, 0));
    }
    return u;
  }

  @Override
  public double[] initialPoint(int dim) {
    double[] x = new double[dim];
    java.util.Arrays.fill(x, Math.min(hi, Math.max(lo, 0.0)));
    return x;
  }
}
