package io.convexstream.flink;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;

/**
 * The end of a key's life: once a key (a model, a layer) has had no record for the job's {@code
 * state.ttl} of processing time, and has nothing in flight, its function drops all of its state and
 * the {@code expiredKeys} counter counts it. A key that comes back starts afresh, as a new run.
 * Unlike Flink's own state TTL, the drop is exact and counted, and it covers every state of the key
 * at once. One timer per key at a time: a record only notes when it came, and the timer, when it
 * fires early, moves to the new deadline. Off (no state, no timer, no cost) without a ttl.
 */
public final class IdleKeys implements Serializable {
  private static final long serialVersionUID = 1L;
  private final long ttlMillis;
  /** {last record's processing time, the pending idle timer's time}. */
  private transient ValueState<long[]> idle;
  private transient Counter expired;

  /** {@code ttl}: null or zero keeps every key's state for good. */
  public IdleKeys(Duration ttl) {
    this.ttlMillis = ttl == null ? 0 : ttl.toMillis();
    if (ttlMillis < 0) {
      throw new IllegalArgumentException("state.ttl must not be negative: " + ttl);
    }
  }

  public boolean enabled() {
    return ttlMillis > 0;
  }

  public void open(RuntimeContext context, OperatorMetrics metrics) {
    if (enabled()) {
      idle = context.getState(new ValueStateDescriptor<>("idle-since", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
      expired = metrics.group().counter("expiredKeys");
    }
  }

  /** The current key had a record now. */
  public void touch(TimerService timers) throws IOException {
    if (!enabled()) {
      return;
    }
    long now = timers.currentProcessingTime();
    long[] s = idle.value();
    if (s == null) {
      s = new long[] {now, now + ttlMillis};
      timers.registerProcessingTimeTimer(s[1]);
    } else {
      s[0] = now;
    }
    idle.update(s);
  }

  /**
   * Whether the timer at {@code timestamp} ends the current key's life: true once it has been idle
   * for the ttl and is not {@code busy} (records waiting, or output not yet published). The caller
   * then clears its own state; this class has cleared its own and counted the key.
   */
  public boolean expires(long timestamp, TimerService timers, boolean busy) throws IOException {
    if (!enabled()) {
      return false;
    }
    long[] s = idle.value();
    if (s == null || timestamp != s[1]) {
      return false; // another of the function's timers
    }
    long now = timers.currentProcessingTime();
    if (busy || now < s[0] + ttlMillis) {
      s[1] = busy ? now + ttlMillis : s[0] + ttlMillis;
      timers.registerProcessingTimeTimer(s[1]);
      idle.update(s);
      return false;
    }
    idle.clear();
    expired.inc();
    return true;
  }
}
