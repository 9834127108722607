package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;

/**
 * Optimistic online mirror descent with the Euclidean mirror map, two-step form:
 * x_t = Π(x̂_t − η_t M_t), x̂_{t+1} = Π(x̂_t − η_t g_t), hint M_t = g_{t−1} (M_1 = 0).
 * Subclasses choose the step size η_t (computed before g_t is seen, used by both steps).
 */
abstract class OptimisticEuclideanOmd extends BaseLearner {
  /** η for round {@code round}, given Σ_{s<round} ||g_s − M_s||² and max_{s<round} ||g_s||². */
  @FunctionalInterface
  interface StepSchedule {
    double stepSize(long round, double variationSoFar, double largestSquaredGradientSoFar);
  }

  private final Domain domain;
  private final StepSchedule schedule;
  private final double[] xHat;
  private final double[] x;
  private GradientVector hint;
  private double variation;
  private double largestSquaredGradient;
  private double eta;

  private final boolean scaleFree;

  /**
   * @param scaleFree whether the schedule uses max ||g||² (else it is not computed: no extra pass per update)
   * @param restoredLargestSquaredGradient max ||g||² assumed for state saved before it was kept
   */
  OptimisticEuclideanOmd(String id, Domain domain, int dim, StepSchedule schedule, boolean scaleFree, double restoredLargestSquaredGradient,
      LearnerState s) {
    super(id, s);
    this.scaleFree = scaleFree;
    this.domain = domain;
    this.schedule = schedule;
    if (s == null) {
      xHat = domain.initialPoint(dim);
      hint = GradientVector.zero(dim);
    } else {
      xHat = s.array("xHat");
      hint = GradientVector.dense(s.array("hint"));
      variation = s.scalar("variation", 0);
      largestSquaredGradient = s.scalar("largestSquaredGradient", restoredLargestSquaredGradient);
    }
    x = xHat.clone();
    eta = schedule.stepSize(t + 1, variation, largestSquaredGradient);
    hint.addTo(x, -eta);
    domain.project(x);
  }

  @Override
  public void update(GradientVector g) {
    double added = g.squaredDistance(hint);
    double squaredNorm = scaleFree ? g.squaredNorm() : 0;
    if (!Double.isFinite(variation + added)) {
      throw new NonFiniteUpdateException("the gradient's ||g − M||² = " + added + " would make the accumulated variation infinite");
    }
    if (!Double.isFinite(squaredNorm)) {
      throw new NonFiniteUpdateException("the gradient's ||g||² overflows (step size 0 from then on)");
    }
    double largest = Math.max(largestSquaredGradient, squaredNorm);
    double nextEta = schedule.stepSize(t + 2, variation + added, largest); // η_{t+1}: known before anything changes
    if (!(nextEta > 0)) { // η = 0 for ever: the model would silently stop learning
      throw new NonFiniteUpdateException("the gradient (||g − M||² = " + added + ", ||g||² = " + squaredNorm
          + ") would make the step size 0 from then on");
    }
    variation += added;
    largestSquaredGradient = largest;
    if (t == 0) { // x_1 = x̂_1 whatever η_1 is (M_1 = 0), so η_1 may already know g_1: a scale-free first step
      eta = schedule.stepSize(1, 0, largestSquaredGradient);
    }
    g.addTo(xHat, -eta);
    domain.project(xHat);
    hint = g;
    t++;
    eta = nextEta;
    System.arraycopy(xHat, 0, x, 0, x.length);
    hint.addTo(x, -eta);
    domain.project(x);
  }

  @Override
  public double[] decision() {
    return x;
  }

  /** The step size of the coming round (the one used to form {@link #decision()}). */
  @Override
  public double stepSize() {
    return eta;
  }

  @Override
  public double gradientVariation() {
    return variation;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = newState();
    s.arrays.put("xHat", xHat.clone());
    s.arrays.put("hint", hint.toDense());
    s.scalars.put("variation", variation);
    s.scalars.put("largestSquaredGradient", largestSquaredGradient);
    return s;
  }
}
