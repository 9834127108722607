package io.convexstream.core.omd;

import io.convexstream.core.linalg.Vectors;

/**
 * Projected online gradient descent (Zinkevich 2003) on the Euclidean ball of radius R:
 * x_{t+1} = Π(x_t − η_t g_t) with η_t = D / (G √t), D = 2R the domain diameter and G a bound on
 * ||g_t||. Regret O(D G √T) against any fixed comparator in the ball.
 */
public final class OnlineGradientDescent {
  private final double radius;
  private final double gradientBound;

  public OnlineGradientDescent(double radius, double gradientBound) {
    if (!(radius > 0) || !(gradientBound > 0)) {
      throw new IllegalArgumentException("radius and gradientBound must be positive");
    }
    this.radius = radius;
    this.gradientBound = gradientBound;
  }

  /** η_t for round t ≥ 1. */
  public double stepSize(long t) {
    return 2 * radius / (gradientBound * Math.sqrt(t));
  }

  /**
   * Applies round t's gradient to x in place (g dense when {@code indices == null}).
   *
   * @return ||x_{t+1}||
   */
  public double update(double[] x, long t, int[] indices, double[] values) {
    Vectors.axpy(x, -stepSize(t), indices, values);
    return Vectors.projectOntoBall(x, radius);
  }
}
