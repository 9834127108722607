package io.convexstream.core.join;

/**
 * Per-model figures of the learning loop, kept by {@link LoopJudge}: the join's counts and, per
 * learner in list order, its progressive validation on the scores it served. Public fields and a
 * public no-argument constructor: the job keeps it in keyed state as a Flink POJO.
 */
public class LoopProgress {
  /** Source offset of the model's first event played: the run epoch of its outputs (−1 before). */
  public long runEpoch = -1;
  /** The learner serving now (list index), and the one the option named when it was last read. */
  public int champion;
  public String pinned;
  public long scored;
  public long joined;
  public long expired;
  /** Events without feedback learnt as the negative label. */
  public long learntAsNegative;
  /** Feedback that arrived before its event was scored (it waited). */
  public long early;
  /** Events and feedback the join refused (late, duplicate, unknown, after maxDelay). */
  public long refused;
  /** Per learner: summed progressive loss and right answers (classification) over every example learnt. */
  public double[] servedLoss;
  public long[] correct;
  /** Examples behind {@link #servedLoss}: joined feedback and events learnt as negatives. */
  public long judged;
  /** The current champion window: its start (Long.MIN_VALUE: none yet), per-learner summed loss and examples. */
  public long windowStart = Long.MIN_VALUE;
  public double[] windowLoss;
  public long windowJoined;
  /** Feedback delay (feedback time − event time) in buckets of powers of two ms: bucket b holds delays below 2^b. */
  public long[] delays = new long[DELAY_BUCKETS];

  static final int DELAY_BUCKETS = 48;

  public LoopProgress() {}

  public LoopProgress(int learners) {
    servedLoss = new double[learners];
    correct = new long[learners];
    windowLoss = new double[learners];
  }

  public void delay(long ms) {
    delays[Math.min(DELAY_BUCKETS - 1, 64 - Long.numberOfLeadingZeros(Math.max(0, ms)))]++;
  }

  /** The upper edge of the bucket holding the q-quantile of the delays (NaN before any). */
  public double delayQuantile(double q) {
    long n = 0;
    for (long c : delays) {
      n += c;
    }
    if (n == 0) {
      return Double.NaN;
    }
    long seen = 0;
    for (int b = 0; b < delays.length; b++) {
      seen += delays[b];
      if (seen >= Math.ceil(q * n)) {
        return b == 0 ? 0 : Math.pow(2, b);
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
