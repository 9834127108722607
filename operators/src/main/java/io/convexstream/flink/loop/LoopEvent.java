package io.convexstream.flink.loop;

/**
 * What the learning loop keeps of an input while it waits (a Flink POJO): where it came from (to
 * name it in a dead letter) and, for an event, its features in the model's dimension and, once
 * scored, what each learner answered.
 */
public class LoopEvent {
  public int partition;
  public long offset;
  /** Coordinates of the features (strictly increasing), or null when {@link #values} is dense. */
  public int[] indices;
  /** Feature values; null for feedback. */
  public double[] values;
  /** Per learner, in list order, its score a·x when the event was played (null before). */
  public double[] scores;
  /** The event's time (set when it is scored). */
  public long eventTime;

  public LoopEvent() {}

  LoopEvent(int partition, long offset, int[] indices, double[] values) {
    this.partition = partition;
    this.offset = offset;
    this.indices = indices;
    this.values = values;
  }
}
