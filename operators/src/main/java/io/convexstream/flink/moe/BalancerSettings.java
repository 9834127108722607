package io.convexstream.flink.moe;

import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import java.io.Serializable;

/**
 * How the expert balancer treats its stream.
 *
 * @param variant SIGN (default) or RAW update
 * @param centred subtract the mean of each update
 * @param rate u_0 (default 1e-3)
 * @param decaySteps n_0 of u_n = u_0/(1 + n/n_0); 0 keeps u constant
 * @param stepTimeoutMillis a step closes this long after its first report even if ranks are missing
 * @param window steps in MaxVio_global
 * @param topK K, for routing score batches
 * @param scoring router scoring for score batches
 * @param groups expert groups for group-limited routing (1: none)
 * @param topGroups groups kept per token
 * @param maxBiasStaleness a load report routed with biases more than this many steps older than the
 *     step before its own is dead-lettered (its loads would pull the biases the wrong way)
 */
public record BalancerSettings(
    LoadBalancer.Variant variant,
    boolean centred,
    float rate,
    double decaySteps,
    long stepTimeoutMillis,
    int window,
    int topK,
    Router.Scoring scoring,
    int groups,
    int topGroups,
    long maxBiasStaleness) implements Serializable {

  /** Default of {@link #maxBiasStaleness}: workers that pipeline a few steps are accepted. */
  public static final long DEFAULT_MAX_BIAS_STALENESS = 8;

  public BalancerSettings {
    if (!(rate > 0 && Float.isFinite(rate)) || !(decaySteps >= 0) || stepTimeoutMillis <= 0 || window < 1 || topK < 1
        || groups < 1 || topGroups < 1 || topGroups > groups || maxBiasStaleness < 0) {
      throw new IllegalArgumentException("balancer settings out of range: rate > 0, decaySteps ≥ 0, stepTimeoutMs > 0, window ≥ 1, "
          + "topK ≥ 1, 1 ≤ topGroups ≤ groups, maxBiasStaleness ≥ 0; got rate " + rate + ", decaySteps " + decaySteps
          + ", stepTimeoutMs " + stepTimeoutMillis + ", window " + window + ", topK " + topK + ", groups " + groups
          + ", topGroups " + topGroups + ", maxBiasStaleness " + maxBiasStaleness);
    }
  }

  public static BalancerSettings defaults() {
    return new BalancerSettings(LoadBalancer.Variant.SIGN, false, 1e-3f, 0, 10_000, 100, 8, Router.Scoring.SIGMOID, 1, 1, DEFAULT_MAX_BIAS_STALENESS);
  }

  public BalancerSettings withRate(float u) {
    return new BalancerSettings(variant, centred, u, decaySteps, stepTimeoutMillis, window, topK, scoring, groups, topGroups, maxBiasStaleness);
  }

  public BalancerSettings withTopK(int k) {
    return new BalancerSettings(variant, centred, rate, decaySteps, stepTimeoutMillis, window, k, scoring, groups, topGroups, maxBiasStaleness);
  }

  public BalancerSettings withTimeout(long millis) {
    return new BalancerSettings(variant, centred, rate, decaySteps, millis, window, topK, scoring, groups, topGroups, maxBiasStaleness);
  }
}
