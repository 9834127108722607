package io.convexstream.core.moe;

/**
 * Auxiliary-loss-free load balancing (Wang et al. 2024, arXiv 2408.15664): one bias per expert,
 * updated once per global step from that step's loads c_i as a dual variable of the balance
 * constraint (Han & Zhong, arXiv 2512.03915: a one-step-per-iteration primal-dual method).
 * <pre>
 *   e_i = mean(c) − c_i
 *   SIGN:  b_i += u_n · sign(e_i)            (DeepSeek-V3, Megatron-Core, torchtitan; default)
 *   RAW:   b_i += u_n · e_i / mean(c)
 *   centred: subtract the mean of the update, so the mean bias cannot drift
 *   u_n = u_0 (constant) or u_0 / (1 + n/n_0) (the primal-dual schedule for the online setting)
 * </pre>
 * Biases are float32, as workers apply them, and every operation rounds to float like theirs. With
 * the decaying schedule, u_n eventually falls below half an ulp of a bias and a plain float32 sum
 * would drop every update from then on (n ≈ 1.7e5 at n_0 = 10, u_0 = 1e-2); there each bias keeps a
 * float32 residual (Kahan's compensated sum), so the updates accumulate until they move the bias.
 * A constant rate keeps the plain float32 sum: the same bits as workers that update in place.
 */
public final class LoadBalancer {
  /** The update direction. */
  public enum Variant { SIGN, RAW }

  private final Variant variant;
  private final boolean centred;
  private final float rate;
  private final double decaySteps;
  private final float[] biases;
  /** What the float32 biases have not absorbed yet (compensated sum); null without decay. */
  private final float[] residuals;
  private long updates;

  /**
   * @param rate u_0 (DeepSeek: 1e-3)
   * @param decaySteps n_0 of u_n = u_0/(1 + n/n_0); 0 or less keeps u constant
   */
  public LoadBalancer(int experts, Variant variant, boolean centred, float rate, double decaySteps) {
    this(new float[experts], null, 0, variant, centred, rate, decaySteps);
  }

  /**
   * Continues from saved biases and residuals after {@code updates} updates.
   *
   * @param residuals null for none yet (state saved before they existed, or a constant rate)
   */
  public LoadBalancer(float[] biases, float[] residuals, long updates, Variant variant, boolean centred, float rate,
      double decaySteps) {
    if (!(rate > 0)) {
      throw new IllegalArgumentException("rate must be positive");
    }
    if (residuals != null && residuals.length != biases.length) {
      throw new IllegalArgumentException(residuals.length + " residuals for " + biases.length + " biases");
    }
    this.biases = biases.clone();
    this.residuals = !(decaySteps > 0) ? null : residuals == null ? new float[biases.length] : residuals.clone();
    this.updates = updates;
    this.variant = variant;
    this.centred = centred;
    this.rate = rate;
    this.decaySteps = decaySteps;
  }

  /** u_n for the next update. */
  public float currentRate() {
    return decaySteps > 0 ? (float) (rate / (1 + updates / decaySteps)) : rate;
  }

  /** Applies one step's loads (tokens per expert, summed over ranks). */
  public void update(long[] loads) {
    if (loads.length != biases.length) {
      throw new IllegalArgumentException("loads for " + loads.length + " experts, biases for " + biases.length);
    }
    double mean = 0;
    for (long c : loads) {
      mean += c;
    }
    mean /= loads.length;
    float u = currentRate();
    float[] delta = new float[biases.length];
    for (int i = 0; i < biases.length; i++) {
      double e = mean - loads[i];
      delta[i] = variant == Variant.SIGN ? u * (float) Math.signum(e) : (mean > 0 ? (float) (u * e / mean) : 0f);
    }
    if (centred) {
      float m = 0;
      for (float d : delta) {
        m += d;
      }
      m /= delta.length;
      for (int i = 0; i < delta.length; i++) {
        delta[i] -= m;
      }
    }
    if (residuals != null) {
      for (int i = 0; i < biases.length; i++) {
        float y = delta[i] + residuals[i];
        float sum = biases[i] + y;
        residuals[i] = y - (sum - biases[i]);
        biases[i] = sum;
      }
    } else {
      for (int i = 0; i < biases.length; i++) {
        biases[i] += delta[i];
      }
    }
    updates++;
  }

  /** The current biases (a live view). */
  public float[] biases() {
    return biases;
  }

  /** The part of each bias's exact sum of updates that float32 has not absorbed yet (a live view), or null without decay. */
  public float[] residuals() {
    return residuals;
  }

  public long updates() {
    return updates;
  }
}
