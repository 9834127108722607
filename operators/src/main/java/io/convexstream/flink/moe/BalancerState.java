package io.convexstream.flink.moe;

/** Keyed state of one (model, layer): the biases and the balance window (a Flink POJO). */
public class BalancerState {
  public float[] biases;
  /** Compensation of the biases' float32 sums under the decaying rate (LoadBalancer); null before any, or when restored from before it existed. */
  public float[] residuals;
  public long updates;
  /** Last global step closed; reports for it or earlier are late. */
  public long lastClosedStep;
  /** Loads of the last closed steps, oldest first (the MaxVio_global window). */
  public long[][] window;
  public long missingRanks;
  public long skippedSteps;
  /** Reports that came for closed steps (added in state version 2; 0 when restored from version 1). */
  public long lateReports;
  /** Source offset of the record that created this state: the run epoch of its outputs (0 when restored from before it existed). */
  public long runEpoch;

  public BalancerState() {}
}
