package io.convexstream.kafka.feeds;

import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Stochastic linear losses f_t(x) = ⟨g_t, x⟩ on a ball, with g_t = μ + s·z_t, z_t ~ N(0, I/d).
 * A linear loss's gradient does not depend on x, so the stream can be generated ahead of the
 * learner, and regret is exact: the best fixed point in the ball of radius R is −R·Σg/||Σg||.
 * Seeded: the same seed gives the same stream.
 */
public final class LinearLossStream {
  private final String modelId;
  private final double[] mean;
  private final double noise;
  private final SplittableRandom random;
  private long step;

  public LinearLossStream(String modelId, int dim, double meanNorm, double noise, long seed) {
    this.modelId = modelId;
    this.noise = noise;
    this.random = new SplittableRandom(seed);
    this.mean = new double[dim];
    double n = 0;
    for (int i = 0; i < dim; i++) {
      mean[i] = gaussian();
      n += mean[i] * mean[i];
    }
    double scale = meanNorm / Math.sqrt(n);
    for (int i = 0; i < dim; i++) {
      mean[i] *= scale;
    }
  }

  public int dim() {
    return mean.length;
  }

  /** The next gradient, stamped with {@code eventTime}. */
  public Gradient next(Instant eventTime) {
    step++;
    double sd = noise / Math.sqrt(mean.length);
    List<Double> g = new ArrayList<>(mean.length);
    for (double m : mean) {
      g.add(m + sd * gaussian());
    }
    return Gradient.newBuilder()
        .setModelId(modelId)
        .setStep(step)
        .setProducerId("synthetic")
        .setGradient(new NumericVector(mean.length, null, g))
        .setEventTime(eventTime)
        .build();
  }

  private double gaussian() {
    // Box–Muller: SplittableRandom has no nextGaussian on Java 17
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
