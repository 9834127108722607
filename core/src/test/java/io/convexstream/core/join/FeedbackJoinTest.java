package io.convexstream.core.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeedbackJoinTest {
  /** What the join asked for, one line each. */
  static final class Log implements FeedbackJoin.Sink<String> {
    final List<String> lines = new ArrayList<>();

    @Override
    public void predict(String eventId, long eventTime, String features) {
      lines.add("predict " + eventId + "@" + eventTime);
    }

    @Override
    public void learn(String eventId, long eventTime, String features, double label, double weight, long feedbackTime, boolean missing) {
      lines.add("learn " + eventId + " " + features + " label " + label + " weight " + weight + (missing ? " (missing)" : " @" + feedbackTime));
    }

    @Override
    public void expired(String eventId, long eventTime) {
      lines.add("expired " + eventId);
    }

    @Override
    public void deadLetter(FeedbackJoin.Item<String> item, String reason) {
      lines.add("dead " + item.kind() + " " + item.id() + " " + reason.substring(0, reason.indexOf(':') < 0 ? reason.length() : reason.indexOf(':')));
    }
  }

  private static final long DELAY = 100;

  private final FeedbackJoin<String> join = new FeedbackJoin<>(DELAY, false);
  private final HeapJoinStore<String> store = new HeapJoinStore<>();
  private final Log log = new Log();

  @Test
  void feedbackAfterItsEventIsLearntAndEachEventIsScoredFirst() {
    join.event(store, log, "e1", 10, "x1");
    join.feedback(store, log, "e1", 50, 1, 1, null);
    assertThat(log.lines).as("nothing before the watermark").isEmpty();
    join.advanceTo(store, log, 60);
    assertThat(log.lines).containsExactly("predict e1@10", "learn e1 x1 label 1.0 weight 1.0 @50");
  }

  @Test
  void feedbackThatArrivesBeforeItsEventWaitsForIt() {
    join.feedback(store, log, "e1", 50, 1, 2, null);
    join.event(store, log, "e1", 10, "x1");
    join.advanceTo(store, log, 60);
    assertThat(log.lines).containsExactly("predict e1@10", "learn e1 x1 label 1.0 weight 2.0 @50");
  }

  @Test
  void feedbackAtExactlyMaxDelayJoinsOneLaterIsAfterTheExpiry() {
    join.event(store, log, "e1", 10, "x1");
    join.event(store, log, "e2", 10, "x2");
    join.feedback(store, log, "e1", 10 + DELAY, 1, 1, null);
    join.feedback(store, log, "e2", 10 + DELAY + 1, 1, 1, null);
    join.advanceTo(store, log, 500);
    assertThat(log.lines).containsExactly("predict e1@10", "predict e2@10", "learn e1 x1 label 1.0 weight 1.0 @110", "expired e2",
        "dead FEEDBACK e2 feedback after maxDelay");
  }

  @Test
  void duplicateFeedbackAndUnknownEventsAreDeadLettered() {
    join.event(store, log, "e1", 10, "x1");
    join.feedback(store, log, "e1", 20, 1, 1, null);
    join.feedback(store, log, "e1", 30, 0, 1, null);
    join.feedback(store, log, "nobody", 30, 1, 1, null);
    join.feedback(store, log, "e3", 40, 1, 1, null); // its event comes later in event time: feedback cannot precede it
    join.event(store, log, "e3", 45, "x3");
    join.advanceTo(store, log, 50);
    assertThat(log.lines).containsExactly("predict e1@10", "learn e1 x1 label 1.0 weight 1.0 @20", "dead FEEDBACK e1 duplicate feedback",
        "dead FEEDBACK nobody unknown event", "dead FEEDBACK e3 unknown event", "predict e3@45");
  }

  @Test
  void eventsWithoutFeedbackExpireOrAreLearntAsNegatives() {
    join.event(store, log, "e1", 10, "x1");
    join.advanceTo(store, log, 10 + DELAY - 1);
    assertThat(log.lines).containsExactly("predict e1@10");
    join.advanceTo(store, log, 10 + DELAY);
    assertThat(log.lines).containsExactly("predict e1@10", "expired e1");

    FeedbackJoin<String> negatives = new FeedbackJoin<>(DELAY, true);
    HeapJoinStore<String> s = new HeapJoinStore<>();
    Log l = new Log();
    negatives.event(s, l, "e1", 10, "x1");
    negatives.advanceTo(s, l, 1000);
    assertThat(l.lines).containsExactly("predict e1@10", "learn e1 x1 label 0.0 weight 1.0 (missing)");
  }

  @Test
  void lateInputsAndDuplicateEventsAreDeadLettered() {
    join.event(store, log, "e1", 10, "x1");
    join.advanceTo(store, log, 20);
    join.event(store, log, "e0", 20, "x0");
    join.event(store, log, "e1", 30, "x1 again");
    join.advanceTo(store, log, 40);
    assertThat(log.lines).containsExactly("predict e1@10", "dead EVENT e0 late", "dead EVENT e1 duplicate event");
  }

  /** A closed id is remembered for one more maxDelay, then forgotten: the state stays bounded. */
  @Test
  void stateIsBoundedByTheWindow() {
    for (int i = 0; i < 1000; i++) {
      join.event(store, log, "e" + i, i, "x");
      if (i % 2 == 0) {
        join.feedback(store, log, "e" + i, i + 5, 1, 1, null);
      }
      join.advanceTo(store, log, i);
    }
    int[] sizes = store.sizes();
    assertThat(sizes[1]).as("pending: at most one window of events").isLessThanOrEqualTo((int) DELAY + 1);
    assertThat(sizes[2]).as("remembered ids: at most two windows").isLessThanOrEqualTo(2 * (int) DELAY + 2);
    join.advanceTo(store, log, 10_000);
    assertThat(store.sizes()).containsExactly(0, 0, 0);
  }

  /** Any arrival order of the same inputs, with the watermark moving at any pace behind them, plays the same way. */
  @Test
  void arrivalOrderDoesNotMatter() {
    for (boolean negatives : new boolean[] {false, true}) {
      List<long[]> inputs = inputs();
      List<String> reference = play(inputs, negatives, new Random(0), false);
      assertThat(reference).anyMatch(x -> x.startsWith("learn")).anyMatch(x -> x.startsWith("dead FEEDBACK"));
      assertThat(reference).anyMatch(x -> x.startsWith(negatives ? "learn" : "expired") && (!negatives || x.contains("(missing)")));
      for (int trial = 1; trial <= 10; trial++) {
        assertThat(play(inputs, negatives, new Random(trial), true)).as("trial %d", trial).isEqualTo(reference);
      }
    }
  }

  /** 200 events 3 ms apart; three in four get feedback within 45 ms (some after the 30 ms window), one in twenty twice. */
  private static List<long[]> inputs() {
    Random data = new Random(11);
    List<long[]> inputs = new ArrayList<>(); // {0 event / 1 feedback, id, time, label}
    for (int i = 0; i < 200; i++) {
      long t = 1000 + i * 3L;
      inputs.add(new long[] {0, i, t, 0});
      if (data.nextInt(4) != 0) {
        inputs.add(new long[] {1, i, t + data.nextInt(45), i % 2});
      }
      if (data.nextInt(20) == 0) {
        inputs.add(new long[] {1, i, t + data.nextInt(10), 1 - i % 2});
      }
    }
    return inputs;
  }

  /** Plays {@code inputs}: in the given order at once, or shuffled within 60 ms of event time with the watermark 120 ms behind. */
  private static List<String> play(List<long[]> given, boolean negatives, Random random, boolean shuffle) {
    FeedbackJoin<String> j = new FeedbackJoin<>(30, negatives);
    HeapJoinStore<String> s = new HeapJoinStore<>();
    Log l = new Log();
    List<long[]> inputs = new ArrayList<>(given);
    if (shuffle) {
      inputs.sort((a, b) -> Long.compare(a[2] / 60, b[2] / 60));
      for (int w = 0; w < inputs.size(); w += 15) {
        Collections.shuffle(inputs.subList(w, Math.min(inputs.size(), w + 15)), random);
      }
    }
    long newest = Long.MIN_VALUE;
    for (long[] in : inputs) {
      if (in[0] == 0) {
        j.event(s, l, "e" + in[1], in[2], "x" + in[1]);
      } else {
        j.feedback(s, l, "e" + in[1], in[2], in[3], 1, null);
      }
      newest = Math.max(newest, in[2]);
      if (shuffle && random.nextInt(5) == 0) {
        j.advanceTo(s, l, newest - 120);
      }
    }
    j.advanceTo(s, l, Long.MAX_VALUE - 100);
    assertThat(l.lines).noneMatch(x -> x.contains(" late"));
    return l.lines;
  }
}
