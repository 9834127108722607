package io.convexstream.core.learn;

import io.convexstream.core.linalg.GradientVector;

/**
 * An online convex optimization learner: it plays {@link #decision()} x_t, is shown the gradient
 * g_t = ∇f_t(x_t), and moves to x_{t+1}. Not thread-safe; one instance per model.
 */
public interface OnlineLearner {
  String algorithm();

  /** Dimension of the decision. */
  default int dim() {
    return decision().length;
  }

  /** x_t, the point to play this round (a live view: do not modify). */
  double[] decision();

  /** Observes g_t at {@link #decision()} and advances to the next round. */
  void update(GradientVector g);

  /**
   * Whether an update changes only the coordinates where the gradient is non-zero (or listed, for
   * a sparse gradient): then a host can publish just those (a delta) instead of the whole vector.
   * Such a learner is also separable: {@link Learners#restore restored} with the state of some
   * coordinates only (each array holding just those coordinates, in order; the dimension still the
   * model's), it updates them exactly as the whole learner would on the gradient restricted to them
   * and renumbered 0, 1, ... So a host can keep a large model in blocks and touch only what a sparse
   * gradient touches.
   */
  default boolean updatesOnlyGradientCoordinates() {
    return false;
  }

  /** Rounds completed. */
  long rounds();

  /** Step size used by the last update. */
  double stepSize();

  /** Σ_s ||g_s − M_s||² over the rounds so far, M_s the optimistic hint; 0 for learners that use no hints. */
  default double gradientVariation() {
    return 0;
  }

  /** A copy of the full state, from which {@link Learners#restore} continues identically. */
  LearnerState exportState();
}
