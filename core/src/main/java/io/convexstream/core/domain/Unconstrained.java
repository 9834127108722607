package io.convexstream.core.domain;

/** All of ℝ^d; {@code referenceDiameter} stands in for D in step sizes. */
public record Unconstrained(double referenceDiameter) implements Domain {
  @Override
  public void project(double[] x) {}

  @Override
  public boolean coordinatewise() {
    return true;
  }

  @Override
  public void project(double[] x, int[] indices) {}

  @Override
  public double diameter(int dim) {
    return referenceDiameter;
  }

  @Override
  public double[] linearMinimizer(double[] c) {
    for (double v : c) {
      if (v != 0) {
        return null;
      }
    }
    return new double[c.length];
  }

  @Override
  public double[] initialPoint(int dim) {
    return new double[dim];
  }
}
