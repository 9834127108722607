package io.convexstream.core.learn;

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
    double g = c.gradientBound(); // where a learner is not scale-free
    switch (c.parsedAlgorithm()) {
      case OGD:
        return new OnlineGradientDescent(domain, dim, c.number("G", Double.NaN), s);
      case OPTIMISTIC_OMD:
        return new OptimisticOmd(domain, dim, c.delta(), c.number("G", Double.NaN), s);
      case STRONGLY_CONVEX_OMD:
        return new StronglyConvexOptimisticOmd(domain, dim, c.number("lambda", 1.0), c.number("c", 2.0), s);
      case EXP_CONCAVE_OMD: {
        // β = α, not the theory-safe ½·min(1/(4GD), α): that one grows like √T for tens of thousands of
        // rounds (measured in SeaRegretTest and docs/ALGORITHMS.md); β = α is logarithmic over curvatures 0.05…4
        double beta = c.number("beta", c.number("alpha", 1.0));
        // δ ≥ 4L keeps the first steps stable on L-smooth losses; 4 assumes L = 1
        return new ExpConcaveOptimisticOmd(domain, dim, c.number("delta", 4.0), beta, c.matrixBackend(dim), s, attach);
      }
      case OPTIMISTIC_HEDGE:
        return new OptimisticHedge(domain, dim, c.delta(), s);
      case DYNAMIC_ENSEMBLE: {
        double etaMin = c.number("etaMin", d / (1000 * g));
        double etaMax = c.number("etaMax", d / g);
        // by default the doubling grid reaches etaMax (its last step capped there): 11 steps for the default range
        int n = (int) c.number("N", 1 + Math.ceil(Math.log(etaMax / etaMin) / Math.log(2) - 1e-9));
        return new DynamicOptimisticEnsemble(domain, dim, n, etaMin, etaMax, c.number("switchPenalty", g / d), s);
      }
      case ADAGRAD:
        return new AdaGrad(domain, dim, c.number("eta", d / Math.sqrt(2)), s);
      case FTRL_PROXIMAL:
        return new FtrlProximal(dim, c.number("ftrl.alpha", 0.1), c.number("ftrl.beta", 1.0),
            c.number("l1", 0.0), c.number("l2", 0.0), s);
      default:
        throw new IllegalArgumentException(c.algorithm());
    }
  }
}
