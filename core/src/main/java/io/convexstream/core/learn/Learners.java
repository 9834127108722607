package io.convexstream.core.learn;

import static io.convexstream.core.learn.LearnerParameter.ALPHA;
import static io.convexstream.core.learn.LearnerParameter.BETA;
import static io.convexstream.core.learn.LearnerParameter.C;
import static io.convexstream.core.learn.LearnerParameter.DELTA;
import static io.convexstream.core.learn.LearnerParameter.ETA;
import static io.convexstream.core.learn.LearnerParameter.ETA_MAX;
import static io.convexstream.core.learn.LearnerParameter.ETA_MIN;
import static io.convexstream.core.learn.LearnerParameter.FTRL_ALPHA;
import static io.convexstream.core.learn.LearnerParameter.FTRL_BETA;
import static io.convexstream.core.learn.LearnerParameter.G;
import static io.convexstream.core.learn.LearnerParameter.L1;
import static io.convexstream.core.learn.LearnerParameter.L2;
import static io.convexstream.core.learn.LearnerParameter.LAMBDA;
import static io.convexstream.core.learn.LearnerParameter.N;
import static io.convexstream.core.learn.LearnerParameter.SWITCH_PENALTY;

/** Creates learners from a configuration, fresh or from exported state. */
public final class Learners {
  private Learners() {}

  public static OnlineLearner create(LearnerConfig c, int dim) {
    return build(c, dim, null, false);
  }

  /** A learner that continues exactly where the one that exported {@code state} stopped. */
  public static OnlineLearner restore(LearnerConfig c, int dim, LearnerState state) {
    check(c, state);
    return build(c, dim, state, false);
  }

  /**
   * Like {@link #restore}, but a learner with large state (oomd-ec's d×d matrices on plain Java)
   * works on {@code state}'s own arrays instead of copies: updating it changes them, and its
   * {@link OnlineLearner#exportState()} hands them back without copying. For a host that keeps one
   * state per key and replaces it after each update (the Flink learner operator), where copying
   * would cost more than the update. Such a learner's update is all or nothing ({@link
   * NonFiniteUpdateException} leaves the state as it was); other learners copy as restore does.
   */
  public static OnlineLearner attach(LearnerConfig c, int dim, LearnerState state) {
    check(c, state);
    return build(c, dim, state, true);
  }

  /**
   * The state of one coordinate of a fresh learner that {@link OnlineLearner#updatesOnlyGradientCoordinates()
   * updates only its gradients' coordinates}: every coordinate starts so (arrays of length 1).
   */
  public static LearnerState freshCoordinate(LearnerConfig c) {
    OnlineLearner one = create(c, 1);
    if (!one.updatesOnlyGradientCoordinates()) {
      throw new IllegalArgumentException(c.algorithm() + " on " + c.domain() + " is not coordinate-separable");
    }
    return one.exportState();
  }

  private static void check(LearnerConfig c, LearnerState state) {
    if (!state.algorithm.equals(c.algorithm())) {
      throw new IllegalStateException("state of " + state.algorithm + " cannot restore " + c.algorithm());
    }
  }

  private static OnlineLearner build(LearnerConfig c, int dim, LearnerState s, boolean attach) {
    var domain = c.domain();
    double d = domain.diameter(dim);
    switch (c.parsedAlgorithm()) {
      case OGD:
        return new OnlineGradientDescent(domain, dim, c.numberOr(G, Double.NaN), s); // NaN: scale-free
      case OPTIMISTIC_OMD:
        return new OptimisticOmd(domain, dim, c.number(DELTA), c.numberOr(G, Double.NaN), s);
      case STRONGLY_CONVEX_OMD:
        return new StronglyConvexOptimisticOmd(domain, dim, c.number(LAMBDA), c.number(C), s);
      case EXP_CONCAVE_OMD:
        // β = α, not the theory-safe ½·min(1/(4GD), α): that one grows like √T for tens of thousands of
        // rounds (measured in SeaRegretTest and docs/ALGORITHMS.md); β = α is logarithmic over curvatures 0.05…4
        return new ExpConcaveOptimisticOmd(domain, dim, c.number(DELTA), c.numberOr(BETA, c.number(ALPHA)),
            c.matrixBackend(dim), s, attach);
      case OPTIMISTIC_HEDGE:
        return new OptimisticHedge(domain, dim, c.number(DELTA), s);
      case DYNAMIC_ENSEMBLE: {
        double g = c.numberOr(G, 1.0);
        double etaMin = c.numberOr(ETA_MIN, d / (1000 * g));
        double etaMax = c.numberOr(ETA_MAX, d / g);
        // by default the doubling grid reaches etaMax (its last step capped there): 11 steps for the default range
        int n = (int) c.numberOr(N, 1 + Math.ceil(Math.log(etaMax / etaMin) / Math.log(2) - 1e-9));
        return new DynamicOptimisticEnsemble(domain, dim, n, etaMin, etaMax, c.numberOr(SWITCH_PENALTY, g / d), s);
      }
      case ADAGRAD:
        return new AdaGrad(domain, dim, c.numberOr(ETA, d / Math.sqrt(2)), s);
      case FTRL_PROXIMAL:
        return new FtrlProximal(dim, c.number(FTRL_ALPHA), c.number(FTRL_BETA), c.number(L1), c.number(L2), s);
      default:
        throw new IllegalArgumentException(c.algorithm());
    }
  }
}
