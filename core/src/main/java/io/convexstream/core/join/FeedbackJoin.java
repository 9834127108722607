package io.convexstream.core.join;

/**
 * Events and their delayed feedback, joined in event time so that a replay joins exactly as the
 * live run did, whatever the arrival order between the two inputs.
 *
 * <p>Inputs wait in a buffer until the watermark passes their time, then are played in time order
 * (at equal times: events, then feedback, then deadlines; by id within a kind). So each event is
 * scored with the model as every earlier feedback left it, and every example is learnt in one order.
 * <ul>
 *   <li>An event is scored ({@link Sink#predict}) and kept until its deadline, its time plus
 *       {@code maxDelay}. A second event with an id still kept is dead-lettered ("duplicate event").
 *   <li>Feedback for a kept event, at or before the event's deadline, is learnt from
 *       ({@link Sink#learn}) and the event is closed. Feedback for a closed event is dead-lettered
 *       ("duplicate feedback" after a join, "feedback after maxDelay" after an expiry); for an id
 *       with no event at or before it, "unknown event". Feedback that arrives before its event waits
 *       in the buffer like any input, so arrival order does not matter.
 *   <li>At its deadline an event without feedback expires ({@link Sink#expired}), or, with
 *       {@code negativeOnMissing}, is learnt from as label 0 (the click-through convention).
 *   <li>A closed event's id is remembered for another {@code maxDelay}, to name duplicates; after
 *       that, feedback for it is an unknown event. Inputs at or behind the watermark already played
 *       are dead-lettered ("late").
 * </ul>
 * State is bounded by the input rate times (2·maxDelay + the watermark's lag). Where it lives is the
 * {@link Store}'s business: on the heap here and offline, in keyed state in the job.
 *
 * @param <F> what the host keeps with an input: an event's features to score and learn from; for
 *     feedback, whatever it needs to name the record in a dead letter (may be null)
 */
public final class FeedbackJoin<F> {
  /** An input or a deadline, waiting to be played at {@code time}. */
  public record Item<F>(long time, Kind kind, String id, F features, double label, double weight) {}

  /** Play order at equal times. */
  public enum Kind { EVENT, FEEDBACK, DEADLINE, FORGET }

  /** A scored event waiting for its feedback. */
  public record Pending<F>(long eventTime, F features) {}

  /** Why an event was closed, for naming what comes after. */
  public enum Closed { JOINED, EXPIRED }

  /** Where the join keeps its state. */
  public interface Store<F> {
    void buffer(Item<F> item);

    /** The first buffered item in play order (time, kind, id) if it is at or before {@code time}, removed; else null. */
    Item<F> takeFirstUpTo(long time);

    Pending<F> pending(String id);

    void putPending(String id, Pending<F> p);

    void removePending(String id);

    Closed closed(String id);

    void putClosed(String id, Closed how);

    void removeClosed(String id);

    /** The watermark played so far (Long.MIN_VALUE before any). */
    long played();

    void setPlayed(long time);
  }

  /**
   * What the join asks of its host. A {@link RuntimeException} from {@link #predict} or {@link #learn}
   * dead-letters the input it was for ("internal error ...") and the join goes on; the host changes
   * nothing before it succeeds, or says what it changed.
   */
  public interface Sink<F> {
    void predict(String eventId, long eventTime, F features);

    void learn(String eventId, long eventTime, F features, double label, double weight, long feedbackTime, boolean missing);

    void expired(String eventId, long eventTime);

    /** {@code item} (an event or feedback, never a deadline) is refused, or failed. */
    void deadLetter(Item<F> item, String reason);
  }

  private final long maxDelay;
  private final boolean negativeOnMissing;

  public FeedbackJoin(long maxDelay, boolean negativeOnMissing) {
    if (maxDelay < 0) {
      throw new IllegalArgumentException("feedback.maxDelay must not be negative: " + maxDelay);
    }
    this.maxDelay = maxDelay;
    this.negativeOnMissing = negativeOnMissing;
  }

  /** An event with id {@code id} at {@code time}: buffered until the watermark passes it. */
  public void event(Store<F> store, Sink<F> sink, String id, long time, F features) {
    accept(store, sink, new Item<>(time, Kind.EVENT, id, features, Double.NaN, Double.NaN));
  }

  /** Feedback {@code label} (weight {@code weight}) for event {@code id}, at {@code time}; {@code payload} names it in dead letters. */
  public void feedback(Store<F> store, Sink<F> sink, String id, long time, double label, double weight, F payload) {
    accept(store, sink, new Item<>(time, Kind.FEEDBACK, id, payload, label, weight));
  }

  private void accept(Store<F> store, Sink<F> sink, Item<F> item) {
    if (item.time() <= store.played()) {
      sink.deadLetter(item, "late: event time " + item.time() + " is at or behind the watermark "
          + store.played() + " already played");
      return;
    }
    store.buffer(item);
  }

  /** Plays every buffered item at or before {@code watermark}, in order. */
  public void advanceTo(Store<F> store, Sink<F> sink, long watermark) {
    if (watermark <= store.played()) {
      return;
    }
    // one at a time: playing an event buffers its deadline, which may come before the next item
    for (Item<F> item = store.takeFirstUpTo(watermark); item != null; item = store.takeFirstUpTo(watermark)) {
      play(store, sink, item);
    }
    store.setPlayed(watermark);
  }

  private void play(Store<F> store, Sink<F> sink, Item<F> item) {
    String id = item.id();
    switch (item.kind()) {
      case EVENT -> {
        if (store.pending(id) != null || store.closed(id) != null) {
          sink.deadLetter(item, "duplicate event: an event with this id is within its feedback window");
          return;
        }
        try {
          sink.predict(id, item.time(), item.features());
        } catch (RuntimeException e) { // the event is not kept: feedback for it will find no event
          sink.deadLetter(item, "internal error scoring the event: " + e.getMessage());
          return;
        }
        store.putPending(id, new Pending<>(item.time(), item.features()));
        store.buffer(new Item<>(item.time() + maxDelay, Kind.DEADLINE, id, null, Double.NaN, Double.NaN));
      }
      case FEEDBACK -> {
        Pending<F> p = store.pending(id);
        if (p != null) {
          store.removePending(id);
          store.putClosed(id, Closed.JOINED);
          try {
            sink.learn(id, p.eventTime(), p.features(), item.label(), item.weight(), item.time(), false);
          } catch (RuntimeException e) {
            sink.deadLetter(item, "internal error learning from the feedback: " + e.getMessage());
          }
          return;
        }
        Closed how = store.closed(id);
        sink.deadLetter(item, how == Closed.JOINED ? "duplicate feedback: the event was joined already"
            : how == Closed.EXPIRED ? "feedback after maxDelay: the event expired" : "unknown event: no event with this id within maxDelay before it");
      }
      case DEADLINE -> {
        Pending<F> p = store.pending(id);
        if (p != null) {
          store.removePending(id);
          store.putClosed(id, Closed.EXPIRED);
          if (negativeOnMissing) {
            try {
              sink.learn(id, p.eventTime(), p.features(), 0, 1, item.time(), true);
            } catch (RuntimeException e) { // named by its event
              sink.deadLetter(new Item<>(p.eventTime(), Kind.EVENT, id, p.features(), Double.NaN, Double.NaN),
                  "internal error learning from the event as a negative: " + e.getMessage());
            }
          } else {
            sink.expired(id, p.eventTime());
          }
        }
        store.buffer(new Item<>(item.time() + maxDelay, Kind.FORGET, id, null, Double.NaN, Double.NaN));
      }
      case FORGET -> store.removeClosed(id);
      default -> throw new IllegalStateException("unknown kind " + item.kind());
    }
  }
}
