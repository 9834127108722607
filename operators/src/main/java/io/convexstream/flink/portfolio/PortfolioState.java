package io.convexstream.flink.portfolio;

/** Keyed state of one portfolio (a Flink POJO). */
public class PortfolioState {
  /** Last period closed (Long.MIN_VALUE: none). */
  public long lastClosedPeriod = Long.MIN_VALUE;
  /** Closing price of each asset at the last close (NaN: not traded yet). */
  public double[] lastClose;
  /** Periods closed with a full price vector; the first one sets p_0. */
  public long closes;
  /** The strategies and their backtests, Java-serialized (they are plain engine-free objects). */
  public byte[] runners;
  /** Start (event time, ms) of the first period this state closed: the run epoch of its outputs (0 when restored from before it existed). */
  public long runEpoch;

  public PortfolioState() {}
}
