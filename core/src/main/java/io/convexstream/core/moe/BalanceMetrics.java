package io.convexstream.core.moe;

/**
 * Balance of one step's loads: MaxVio = (max_i c_i − mean c)/mean c (Wang et al. 2024), the spread
 * of tokens per expert, idle experts; and of the biases: mean and spread (max − min).
 */
public record BalanceMetrics(double maxViolation, long minLoad, long maxLoad, double meanLoad, double stdLoad,
    int idleExperts, double biasMean, double biasSpread) {

  public static BalanceMetrics of(long[] loads, float[] biases) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    double sum = 0;
    int idle = 0;
    for (long c : loads) {
      min = Math.min(min, c);
      max = Math.max(max, c);
      sum += c;
      if (c == 0) {
        idle++;
      }
    }
    double mean = sum / loads.length;
    double var = 0;
    for (long c : loads) {
      var += (c - mean) * (c - mean);
    }
    double bMin = Double.MAX_VALUE;
    double bMax = -Double.MAX_VALUE;
    double bSum = 0;
    for (float b : biases) {
      bMin = Math.min(bMin, b);
      bMax = Math.max(bMax, b);
      bSum += b;
    }
    return new BalanceMetrics(maxViolation(loads), min, max, mean, Math.sqrt(var / loads.length), idle,
        bSum / biases.length, bMax - bMin);
  }

  /** (max − mean)/mean; 0 when nothing was routed. */
  public static double maxViolation(long[] loads) {
    long max = 0;
    double sum = 0;
    for (long c : loads) {
      max = Math.max(max, c);
      sum += c;
    }
    double mean = sum / loads.length;
    return mean > 0 ? (max - mean) / mean : 0;
  }
}
