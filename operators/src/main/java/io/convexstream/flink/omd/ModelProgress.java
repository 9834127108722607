package io.convexstream.flink.omd;

/** Per-model bookkeeping of the learner operator (a Flink POJO: new fields can be added). */
public class ModelProgress {
  public int dim;
  /** Last step applied; the next step to apply is lastStep + 1. */
  public long lastStep;
  public String lastProducer;
  /** Updates applied: the parameters' version. */
  public long updates;
  public long lastEmittedVersion;
  public double lastLoss = Double.NaN;
  public double cumulativeLoss;
  public long lossCount;
  public double regret;
  public long regretCount;
  /** Steps skipped because they never arrived within the gap timeout or buffer. */
  public long missingSteps;
  /** Steps waiting in the buffer. */
  public int buffered;
  /** Processing time of the pending gap timer (0: none). */
  public long gapTimer;
  /** Processing time of the pending emission timer (0: none). */
  public long emitTimer;
  public long lastEventTime;
  /** Records of this model the operator dead-lettered (added in state version 2; 0 when restored from version 1). */
  public long rejected;
  /** Source offset of the record that created this state: the run epoch of its outputs (0 when restored from before it existed). */
  public long runEpoch;

  /**
   * Coordinates changed since the last publication (strictly increasing), when the learner changes
   * only its gradients' coordinates; null when unknown or too many: the next publication is a
   * snapshot.
   */
  public int[] changed;
  /** Version of the last snapshot published (0: none yet in this run). */
  public long lastSnapshotVersion;
  /** Entries the deltas published since the last snapshot held. */
  public long deltaEntries;
  /** Entries the last snapshot held (its non-zeros, or the dimension when dense). */
  public long snapshotEntries;

  /**
   * Whether the learner's arrays live in blocks (state "learner-blocks", {@link LearnerBlocks}) and
   * the value state holds only its rounds and scalars: chosen when the model is created, for
   * coordinate-separable learners (false in state from before blocks existed).
   */
  public boolean blocked;
  /** Blocked models: ‖x‖², kept by differences between snapshots (which compute it exactly). */
  public double squaredNorm;

  public ModelProgress() {}
}
