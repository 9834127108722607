package io.convexstream.core.moe;

/** Loads summed over the last {@code size} steps, for MaxVio_global and placement planning. */
public final class BalanceWindow {
  private final long[][] ring;
  private final long[] sum;
  private int next;
  private int filled;

  public BalanceWindow(int size, int experts) {
    if (size < 1) {
      throw new IllegalArgumentException("window size must be positive");
    }
    ring = new long[size][experts];
    sum = new long[experts];
  }

  /** Restores a window from its steps, oldest first. */
  public static BalanceWindow of(int size, int experts, long[][] stepsOldestFirst) {
    BalanceWindow w = new BalanceWindow(size, experts);
    for (long[] s : stepsOldestFirst) {
      w.add(s);
    }
    return w;
  }

  public void add(long[] loads) {
    long[] slot = ring[next];
    for (int i = 0; i < sum.length; i++) {
      sum[i] += loads[i] - slot[i];
      slot[i] = loads[i];
    }
    next = (next + 1) % ring.length;
    filled = Math.min(filled + 1, ring.length);
  }

  /** Loads per expert summed over the window. */
  public long[] totals() {
    return sum.clone();
  }

  /** MaxVio of the summed loads. */
  public double maxViolation() {
    return BalanceMetrics.maxViolation(sum);
  }

  /** The steps in the window, oldest first. */
  public long[][] steps() {
    long[][] out = new long[filled][];
    for (int j = 0; j < filled; j++) {
      out[j] = ring[(next - filled + j + ring.length) % ring.length].clone();
    }
    return out;
  }
}
