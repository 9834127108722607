package io.convexstream.flink.moe;

/** A global step still collecting rank reports (a Flink POJO). */
public class OpenStep {
  public long[] loads;
  public boolean[] reported;
  public int reports;
  public int expectedRanks;
  public long latestEventTime;
  public long timer;
  public boolean timedOut;

  public OpenStep() {}

  OpenStep(int experts, int expectedRanks) {
    this.loads = new long[experts];
    this.reported = new boolean[expectedRanks];
    this.expectedRanks = expectedRanks;
  }

  boolean complete() {
    return reports == expectedRanks;
  }
}
