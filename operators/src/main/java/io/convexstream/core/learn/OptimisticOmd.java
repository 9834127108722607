package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;

/**
 * Optimistic OMD for convex and smooth losses in the SEA model (Chen, Zhang, Tu, Zhao, Zhang 2023):
 * Euclidean two-step updates with the adaptive step η_t = D / √(δ + 4G² + Σ_{s<t} ||g_s − M_s||²).
 * Its regret is O(√σ²_{1:T} + √Σ²_{1:T}): small when each gradient is predictable from the last.
 */
public final class OptimisticOmd extends OptimisticEuclideanOmd {
  public static final String ID = "oomd";

  OptimisticOmd(Domain domain, int dim, double delta, double gradientBound, LearnerState s) {
    super(domain, dim, schedule(domain.diameter(dim), delta + 4 * gradientBound * gradientBound), s);
  }

  private static StepSchedule schedule(double diameter, double base) {
    return (round, variation) -> diameter / Math.sqrt(base + variation);
  }

  @Override
  public String algorithm() {
    return ID;
  }
}
