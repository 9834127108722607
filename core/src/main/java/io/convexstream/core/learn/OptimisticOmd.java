package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;

/**
 * Optimistic OMD for convex and smooth losses in the SEA model (Chen, Zhang, Tu, Zhao, Zhang 2023):
 * Euclidean two-step updates with the adaptive step η_t = D / √(δ + 4G² + Σ_{s<t} ||g_s − M_s||²).
 * Its regret is O(√σ²_{1:T} + √Σ²_{1:T}): small when each gradient is predictable from the last.
 * Without a configured bound G it is scale-free: G_t = max_{s<t} ||g_s||, the largest gradient seen so far
 * (an underestimated G makes the first steps overshoot and oscillate; an overestimated one slows them).
 */
public final class OptimisticOmd extends OptimisticEuclideanOmd {
  public static final String ID = "oomd";

  /** @param gradientBound G, or NaN to use the largest gradient seen so far */
  OptimisticOmd(Domain domain, int dim, double delta, double gradientBound, LearnerState s) {
    // state saved before G_t was kept continues with the then default G = 1 as its floor
    super(ID, domain, dim, schedule(domain.diameter(dim), delta, gradientBound), Double.isNaN(gradientBound), 1, s);
  }

  private static StepSchedule schedule(double diameter, double delta, double gradientBound) {
    if (Double.isNaN(gradientBound)) {
      return (round, variation, largest) -> diameter / Math.sqrt(delta + 4 * largest + variation);
    }
    double base = delta + 4 * gradientBound * gradientBound;
    return (round, variation, largest) -> diameter / Math.sqrt(base + variation);
  }
}
