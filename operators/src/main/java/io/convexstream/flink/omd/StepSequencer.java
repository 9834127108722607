package io.convexstream.flink.omd;

import io.convexstream.connectors.flink.Decoded;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;

/**
 * Puts a model's steps in order: the next step is applied at once, early ones wait in keyed state
 * (up to {@code maxBufferedSteps}, for up to {@code gapTimeoutMillis}), and a step that does not
 * come in that time is skipped and counted ({@code missingSteps}); when a bounded input ends,
 * waiting steps are applied after skipping what is missing. Judging late and duplicate steps is
 * the operator's: this class sees only steps after the last one applied.
 */
final class StepSequencer<T extends SpecificRecord> {
  /** Applies one step's record (or dead-letters it); never throws for the record's own faults. */
  @FunctionalInterface
  interface Apply<T extends SpecificRecord> {
    void apply(Decoded<T> record) throws Exception;
  }

  private final MapState<Long, Decoded<T>> buffer;
  private final LearnerSettings settings;
  private final Counter skipped;

  StepSequencer(MapState<Long, Decoded<T>> buffer, LearnerSettings settings, Counter skipped) {
    this.buffer = buffer;
    this.settings = settings;
    this.skipped = skipped;
  }

  /** Whether {@code step} waits already. */
  boolean isWaiting(long step) throws Exception {
    return buffer.contains(step);
  }

  /** Keeps an early step until the steps before it are applied, or skipped when too many wait. */
  void hold(ModelProgress p, long step, Decoded<T> record, Apply<T> apply) throws Exception {
    buffer.put(step, record);
    p.buffered++;
    if (p.buffered > settings.maxBufferedSteps()) {
      skipGap(p);
      drain(p, apply);
    }
  }

  /** Applies the steps that wait right after the last one applied. */
  void drain(ModelProgress p, Apply<T> apply) throws Exception {
    Decoded<T> next;
    while ((next = buffer.get(p.lastStep + 1)) != null) {
      buffer.remove(p.lastStep + 1);
      p.buffered--;
      apply.apply(next);
    }
  }

  /**
   * A gap timer runs exactly while steps wait, so every waiting step is applied in the end. Timers
   * are never deleted: Flink keeps one timer per key and timestamp, so deleting the gap timer would
   * also delete an emission timer due in the same millisecond. A timer that no longer matches
   * {@code gapTimer} or {@code emitTimer} does nothing when it fires.
   */
  void armGapTimer(ModelProgress p, TimerService timers) {
    if (p.buffered > 0 && p.gapTimer == 0) {
      p.gapTimer = timers.currentProcessingTime() + settings.gapTimeoutMillis();
      timers.registerProcessingTimeTimer(p.gapTimer);
      // fires only when a bounded input ends (or a drain): then waiting steps need not wait
      timers.registerEventTimeTimer(Long.MAX_VALUE);
    } else if (p.buffered == 0) {
      p.gapTimer = 0;
    }
  }

  /** A timer fired: at the end of a bounded input every waiting step is applied; after the gap timeout, those after the gap. */
  void onTimer(ModelProgress p, long timestamp, TimeDomain domain, Apply<T> apply) throws Exception {
    if (domain == TimeDomain.EVENT_TIME && timestamp == Long.MAX_VALUE) {
      while (skipGap(p)) {
        drain(p, apply);
      }
    } else if (timestamp == p.gapTimer) {
      p.gapTimer = 0;
      if (skipGap(p)) {
        drain(p, apply);
      }
    }
  }

  /**
   * Gives up on the missing steps before the earliest waiting one; false when nothing waits. The
   * count of waiting steps is taken from the buffer itself, so it cannot drift from what waits.
   */
  private boolean skipGap(ModelProgress p) throws Exception {
    long first = Long.MAX_VALUE;
    int waiting = 0;
    for (Long s : buffer.keys()) {
      first = Math.min(first, s);
      waiting++;
    }
    p.buffered = waiting;
    if (waiting == 0) {
      return false;
    }
    long missing = first - p.lastStep - 1;
    p.missingSteps += missing;
    skipped.inc(missing);
    p.lastStep = first - 1;
    return true;
  }
}
