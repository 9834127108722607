package io.convexstream.flink.loop;

import io.convexstream.core.join.FeedbackJoin;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * The join's state in Flink keyed state, one model per key: waiting inputs by time ("join-waiting"),
 * scored events ("join-pending"), closed ids ("join-closed") and the time played ("join-played").
 * Flink's event-time timers are the ordered index of the waiting times: each buffered input
 * registers a timer at its time, timers fire in time order once the watermark passes, and the
 * function plays the join up to that time from the timer. So {@link #takeFirstUpTo} need only look
 * at the inputs waiting at exactly that time (every earlier one was played by its own timer), and
 * no per-key structure grows with the number of waiting inputs on the heap or on RocksDB.
 */
final class JoinState implements FeedbackJoin.Store<LoopEvent> {
  /** Play order within one time; ties (the same input twice) keep arrival order. */
  private static final Comparator<WaitingInput> ORDER = Comparator.<WaitingInput>comparingInt(w -> w.kind)
      .thenComparing(w -> w.id).thenComparingDouble(w -> w.label).thenComparingDouble(w -> w.weight);

  private final MapState<Long, WaitingInput[]> waiting;
  private final MapState<String, LoopEvent> pending;
  private final MapState<String, Boolean> closed;
  private final ValueState<Long> played;
  private TimerService timers;
  /** The time whose last waiting input {@link #takeFirstUpTo} took, until something is buffered there again: nothing to look up. */
  private long emptied = Long.MIN_VALUE;

  JoinState(RuntimeContext ctx) {
    waiting = ctx.getMapState(new MapStateDescriptor<>("join-waiting", Types.LONG, TypeInformation.of(WaitingInput[].class)));
    pending = ctx.getMapState(new MapStateDescriptor<>("join-pending", Types.STRING, TypeInformation.of(LoopEvent.class)));
    closed = ctx.getMapState(new MapStateDescriptor<>("join-closed", Types.STRING, Types.BOOLEAN));
    played = ctx.getState(new ValueStateDescriptor<>("join-played", Types.LONG));
  }

  /** The timer service of the record or timer being handled (buffered inputs register their timers there). */
  JoinState with(TimerService timers) {
    this.timers = timers;
    emptied = Long.MIN_VALUE;
    return this;
  }

  @Override
  public void buffer(FeedbackJoin.Item<LoopEvent> item) {
    try {
      WaitingInput[] at = waiting.get(item.time());
      WaitingInput[] more = at == null ? new WaitingInput[1] : Arrays.copyOf(at, at.length + 1);
      more[more.length - 1] = WaitingInput.of(item);
      waiting.put(item.time(), more);
      if (item.time() == emptied) {
        emptied = Long.MIN_VALUE;
      }
      if (at == null) {
        timers.registerEventTimeTimer(item.time());
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Only the inputs at exactly {@code time}: see the class comment. */
  @Override
  public FeedbackJoin.Item<LoopEvent> takeFirstUpTo(long time) {
    if (time == emptied) { // the timer's loop asks once more after taking the last one
      return null;
    }
    try {
      WaitingInput[] at = waiting.get(time);
      if (at == null) {
        return null;
      }
      int first = 0;
      for (int k = 1; k < at.length; k++) {
        if (ORDER.compare(at[k], at[first]) < 0) {
          first = k;
        }
      }
      if (at.length == 1) {
        waiting.remove(time);
        emptied = time;
      } else {
        WaitingInput[] rest = new WaitingInput[at.length - 1];
        System.arraycopy(at, 0, rest, 0, first);
        System.arraycopy(at, first + 1, rest, first, at.length - first - 1);
        waiting.put(time, rest);
      }
      return at[first].at(time);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public FeedbackJoin.Pending<LoopEvent> pending(String id) {
    try {
      LoopEvent e = pending.get(id);
      return e == null ? null : new FeedbackJoin.Pending<>(e.eventTime, e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void putPending(String id, FeedbackJoin.Pending<LoopEvent> p) {
    try {
      p.features().eventTime = p.eventTime();
      pending.put(id, p.features());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void removePending(String id) {
    try {
      pending.remove(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public FeedbackJoin.Closed closed(String id) {
    try {
      Boolean joined = closed.get(id);
      return joined == null ? null : joined ? FeedbackJoin.Closed.JOINED : FeedbackJoin.Closed.EXPIRED;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void putClosed(String id, FeedbackJoin.Closed how) {
    try {
      closed.put(id, how == FeedbackJoin.Closed.JOINED);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void removeClosed(String id) {
    try {
      closed.remove(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public long played() {
    try {
      Long t = played.value();
      return t == null ? Long.MIN_VALUE : t;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void setPlayed(long time) {
    try {
      played.update(time);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops the key's join state. */
  void clear() {
    waiting.clear();
    pending.clear();
    closed.clear();
    played.clear();
  }
}
