package io.convexstream.core.moe;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.synthetic.TokenRouteGenerator;
import org.junit.jupiter.api.Test;

/**
 * The behaviour users check, simulated in process: N = 64 experts, K = 6, T = 8192 tokens per step,
 * popularity σ = 0.5, sigmoid scores. Deterministic: fixed seeds.
 */
class AlfLbSimulationTest {
  private static final int N = 64;
  private static final int K = 6;
  private static final int TOKENS = 8192;

  /** MaxVio_batch per step. */
  static double[] simulate(int steps, float rate, double drift, boolean centred, long seed, LoadBalancer[] out) {
    TokenRouteGenerator gen = new TokenRouteGenerator(N, 0.5, drift, 0, seed);
    Router router = new Router(N, K);
    LoadBalancer lb = new LoadBalancer(N, LoadBalancer.Variant.SIGN, centred, rate, 0);
    double[] maxVio = new double[steps];
    for (int s = 0; s < steps; s++) {
      gen.nextStep();
      long[] loads = new long[N];
      router.countLoads(gen.logits(TOKENS), TOKENS, lb.biases(), loads);
      maxVio[s] = BalanceMetrics.maxViolation(loads);
      lb.update(loads);
    }
    if (out != null) {
      out[0] = lb;
    }
    return maxVio;
  }

  private static double mean(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return s / (to - from);
  }

  @Test
  void balancesWithinAFewHundredStepsAndStaysNearTheNoiseFloor() {
    double[] maxVio = simulate(400, 1e-3f, 0, false, 1, null);
    assertThat(maxVio[0]).isGreaterThan(1.0);
    int firstBelow = -1;
    for (int s = 0; s < maxVio.length; s++) {
      if (maxVio[s] < 0.2) {
        firstBelow = s + 1;
        break;
      }
    }
    assertThat(firstBelow).as("first step with MaxVio < 0.2").isBetween(1, 300);
    // after convergence MaxVio hovers around the sampling-noise floor (~0.1), never back above 0.2
    assertThat(mean(maxVio, 300, 400)).isLessThan(0.13);
    for (int s = 300; s < 400; s++) {
      assertThat(maxVio[s]).isLessThan(0.2);
    }
  }

  @Test
  void aSmallRateLagsBehindDrift() {
    double[] fast = simulate(250, 1e-3f, 0.002, false, 2, null);
    double[] slow = simulate(250, 1e-4f, 0.002, false, 2, null);
    assertThat(mean(slow, 200, 250)).isGreaterThan(1.0);
    assertThat(mean(fast, 200, 250)).isLessThan(0.2);
  }

  @Test
  void centringKeepsTheMeanBiasAtZeroWithoutHurtingBalance() {
    LoadBalancer[] lb = new LoadBalancer[1];
    double[] maxVio = simulate(250, 1e-3f, 0, true, 3, lb);
    double meanBias = 0;
    for (float b : lb[0].biases()) {
      meanBias += b;
    }
    meanBias /= N;
    assertThat(Math.abs(meanBias)).isLessThan(1e-6);
    assertThat(mean(maxVio, 200, 250)).isLessThan(0.2);
  }

  @Test
  void theResultDoesNotDependOnHowTokensAreSplitAcrossRanks() {
    TokenRouteGenerator gen = new TokenRouteGenerator(N, 0.5, 0, 0, 4);
    Router router = new Router(N, K);
    LoadBalancer oneRank = new LoadBalancer(N, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    LoadBalancer fourRanks = new LoadBalancer(N, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    for (int s = 0; s < 30; s++) {
      gen.nextStep();
      float[] logits = gen.logits(TOKENS);
      long[] all = new long[N];
      router.countLoads(logits, TOKENS, oneRank.biases(), all);
      long[] summed = new long[N];
      int perRank = TOKENS / 4;
      for (int r = 0; r < 4; r++) {
        float[] part = java.util.Arrays.copyOfRange(logits, r * perRank * N, (r + 1) * perRank * N);
        long[] loads = new long[N];
        router.countLoads(part, perRank, fourRanks.biases(), loads);
        for (int i = 0; i < N; i++) {
          summed[i] += loads[i];
        }
      }
      assertThat(summed).containsExactly(all);
      oneRank.update(all);
      fourRanks.update(summed);
    }
    assertThat(fourRanks.biases()).containsExactly(oneRank.biases());
  }
}
