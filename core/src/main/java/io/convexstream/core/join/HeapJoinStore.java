package io.convexstream.core.join;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The join's state on the heap: for offline replays ({@code convexstream learn}) and tests. */
public final class HeapJoinStore<F> implements FeedbackJoin.Store<F> {
  /**
   * Play order: time, kind, id, then label and weight (so that two feedbacks for one event at one
   * time play in the same order whichever came first); equal keys are kept in arrival order.
   */
  private static final Comparator<FeedbackJoin.Item<?>> ORDER = Comparator.<FeedbackJoin.Item<?>>comparingLong(FeedbackJoin.Item::time)
      .thenComparing(FeedbackJoin.Item::kind).thenComparing(FeedbackJoin.Item::id)
      .thenComparingDouble(FeedbackJoin.Item::label).thenComparingDouble(FeedbackJoin.Item::weight);
  private final TreeMap<FeedbackJoin.Item<F>, List<FeedbackJoin.Item<F>>> buffer = new TreeMap<>(ORDER);
  private final Map<String, FeedbackJoin.Pending<F>> pending = new HashMap<>();
  private final Map<String, FeedbackJoin.Closed> closed = new HashMap<>();
  private long played = Long.MIN_VALUE;

  @Override
  public void buffer(FeedbackJoin.Item<F> item) {
    buffer.computeIfAbsent(item, k -> new ArrayList<>()).add(item);
  }

  @Override
  public FeedbackJoin.Item<F> takeFirstUpTo(long time) {
    if (buffer.isEmpty() || buffer.firstKey().time() > time) {
      return null;
    }
    List<FeedbackJoin.Item<F>> first = buffer.firstEntry().getValue();
    FeedbackJoin.Item<F> item = first.remove(0);
    if (first.isEmpty()) {
      buffer.pollFirstEntry();
    }
    return item;
  }

  @Override
  public FeedbackJoin.Pending<F> pending(String id) {
    return pending.get(id);
  }

  @Override
  public void putPending(String id, FeedbackJoin.Pending<F> p) {
    pending.put(id, p);
  }

  @Override
  public void removePending(String id) {
    pending.remove(id);
  }

  @Override
  public FeedbackJoin.Closed closed(String id) {
    return closed.get(id);
  }

  @Override
  public void putClosed(String id, FeedbackJoin.Closed how) {
    closed.put(id, how);
  }

  @Override
  public void removeClosed(String id) {
    closed.remove(id);
  }

  @Override
  public long played() {
    return played;
  }

  @Override
  public void setPlayed(long time) {
    played = time;
  }

  /** Items buffered, events pending and ids remembered: the state's size. */
  public int[] sizes() {
    return new int[] {buffer.values().stream().mapToInt(List::size).sum(), pending.size(), closed.size()};
  }
}
