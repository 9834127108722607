package io.convexstream.core.synthetic;

import java.util.SplittableRandom;

/**
 * Synthetic router logits for MoE load-balancing experiments: logit_{t,i} = z_{t,i} + β_i with
 * z ~ N(0, 1) and a per-expert popularity β_i ~ N(0, σ²); β may drift as a random walk every step
 * and be redrawn at domain shifts. Seeded: the same arguments give the same logits.
 */
public final class TokenRouteGenerator {
  private final int experts;
  private final double drift;
  private final int shiftEvery;
  private final double sigma;
  private final SplittableRandom random;
  private final double[] popularity;
  private long step;

  /**
   * @param sigma σ of the popularity bias (0.25–1 is realistic)
   * @param drift standard deviation of β's random-walk step per global step (0: none)
   * @param shiftEvery redraw β every this many steps, a domain shift (0: never)
   */
  public TokenRouteGenerator(int experts, double sigma, double drift, int shiftEvery, long seed) {
    this.experts = experts;
    this.sigma = sigma;
    this.drift = drift;
    this.shiftEvery = shiftEvery;
    this.random = new SplittableRandom(seed);
    this.popularity = new double[experts];
    redraw();
  }

  private void redraw() {
    for (int i = 0; i < experts; i++) {
      popularity[i] = sigma * gaussian();
    }
  }

  /** Advances to the next global step (drift, shifts). */
  public void nextStep() {
    step++;
    if (shiftEvery > 0 && step % shiftEvery == 0) {
      redraw();
    } else if (drift > 0) {
      for (int i = 0; i < experts; i++) {
        popularity[i] += drift * gaussian();
      }
    }
  }

  /** Logits of {@code tokens} tokens, row-major tokens × experts. */
  public float[] logits(int tokens) {
    float[] out = new float[tokens * experts];
    for (int t = 0; t < tokens; t++) {
      for (int i = 0; i < experts; i++) {
        out[t * experts + i] = (float) (gaussian() + popularity[i]);
      }
    }
    return out;
  }

  public double[] popularity() {
    return popularity.clone();
  }

  private double gaussian() {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
