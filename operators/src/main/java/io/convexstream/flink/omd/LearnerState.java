package io.convexstream.flink.omd;

/** Keyed state of one model's learner (a Flink POJO, so it can evolve by adding fields). */
public class LearnerState {
  /** Current decision x_t. */
  public double[] x;
  /** Updates applied so far: the version of the last published parameters. */
  public long updates;
  /** Last input step applied. */
  public long lastStep;

  public LearnerState() {}

  public LearnerState(int dim) {
    this.x = new double[dim];
  }
}
