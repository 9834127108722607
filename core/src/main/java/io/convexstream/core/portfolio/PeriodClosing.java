package io.convexstream.core.portfolio;

/**
 * When a portfolio's open period closes, apart from the watermark (event time passing its end):
 * the rules the streaming job applies to what it knows of each asset, with times in milliseconds
 * (event time for readings and period ends, processing time for silence). A period [start, end)
 * closes once
 * <ul>
 *   <li><b>reported</b>: every asset reported through its end ({@link #reportedByAll});
 *   <li><b>halted</b>: some asset reported it, and every one that did not has been silent for the
 *       halt time ({@link #haltedAt});
 *   <li><b>end of feed</b>: the portfolio's whole feed has been silent for the end-of-feed time
 *       ({@link #feedEndedAt}); every open period closes then.
 * </ul>
 */
public final class PeriodClosing {
  private PeriodClosing() {}

  /** The event time through which every asset has reported (a period ending by then closes). */
  public static long reportedThroughByAll(long[] reportedThrough) {
    long closable = Long.MAX_VALUE;
    for (long t : reportedThrough) {
      closable = Math.min(closable, t);
    }
    return closable;
  }

  /** Whether every asset reported through {@code end}. */
  public static boolean reportedByAll(long[] reportedThrough, long end) {
    return end <= reportedThroughByAll(reportedThrough);
  }

  /**
   * When the period ending at {@code end} closes by the halt rule: the processing time at which the
   * last of its silent assets has been silent for {@code haltMillis} (at or before {@code now}: it
   * closes now), or {@link Long#MAX_VALUE} while no asset has reported it (it is still going on).
   * {@code heard[i]}: when asset i was last heard of, counted from no earlier than the job's start.
   */
  public static long haltedAt(long[] reportedThrough, long[] heard, long end, long haltMillis) {
    boolean someReported = false;
    long haltAt = Long.MIN_VALUE; // when the last of the silent ones is halted
    for (int i = 0; i < reportedThrough.length; i++) {
      if (reportedThrough[i] >= end) {
        someReported = true;
      } else {
        haltAt = Math.max(haltAt, heard[i] + haltMillis);
      }
    }
    return someReported ? haltAt : Long.MAX_VALUE;
  }

  /** When the feed last heard of at {@code heard} has been silent for {@code endOfFeedMillis}: every open period closes then. */
  public static long feedEndedAt(long heard, long endOfFeedMillis) {
    return heard + endOfFeedMillis;
  }
}
