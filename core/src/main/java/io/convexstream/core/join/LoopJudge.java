package io.convexstream.core.join;

import io.convexstream.core.learn.Loss;
import java.util.Arrays;
import java.util.List;

/**
 * Judges a model's learners on the scores they served and says who serves next: progressive
 * validation (each learner's loss on the score it gave an event before the label was known, never
 * a recomputation), the feedback delays, and the champion windows of a {@link ChampionRule}. The
 * job and {@code convexstream learn} both judge through it, so they agree bit for bit.
 */
public final class LoopJudge {
  /** The figures {@link #figures} gives, in order: published with the champion's parameters and as gauges. */
  public static final List<String> FIGURES = List.of("servedLoss", "servedAccuracy", "scored", "joined", "expired", "learntAsNegative",
      "joinRefused", "delayP50Ms", "delayP99Ms", "champion");

  private final List<String> names;
  private final Loss loss;
  private final ChampionRule rule;
  private final String pinned;

  /**
   * {@code names}: the learners in list order; {@code pinned}: the one an option names to serve
   * (null: none, the first serves until the rule promotes another).
   */
  public LoopJudge(List<String> names, Loss loss, ChampionRule rule, String pinned) {
    this.names = List.copyOf(names);
    this.loss = loss;
    this.rule = rule;
    this.pinned = pinned;
  }

  /** A champion window that ended: the rule's decision and every learner's mean served loss in it. */
  public record WindowEnd(long start, long end, int previous, ChampionRule.Decision decision, double[] meanLoss, long joined) {}

  /**
   * The learner serving the next event. The option's champion, when it differs from the one the
   * option named when this state last served (a restore under another option), is promoted by hand.
   * Returns the index; {@code p.champion} holds it.
   */
  public int serving(LoopProgress p) {
    String named = pinned != null ? pinned : names.get(0);
    if (!named.equals(p.pinned)) {
      if (p.pinned != null || pinned != null) {
        p.champion = names.indexOf(named);
      }
      p.pinned = named;
    }
    return p.champion;
  }

  /** An event was scored. */
  public void scored(LoopProgress p) {
    p.scored++;
  }

  /**
   * An example to learn from: the event's {@code scores} (per learner, as served), its label
   * {@code y} (the negative one for a missing label) and weight, joined at {@code feedbackTime}.
   * Returns the champion window this feedback ended (the champion may have changed), or null.
   */
  public WindowEnd judge(LoopProgress p, double[] scores, double y, double w, long eventTime, long feedbackTime, boolean missing) {
    if (missing) {
      p.learntAsNegative++;
    } else {
      p.joined++;
      p.delay(feedbackTime - eventTime);
    }
    WindowEnd ended = null;
    long window = rule.windowOf(feedbackTime);
    if (p.windowStart != Long.MIN_VALUE && window != p.windowStart) {
      ChampionRule.Decision d = rule.decide(p.champion, names.toArray(String[]::new), p.windowLoss, p.windowJoined);
      double[] means = new double[p.windowLoss.length];
      for (int i = 0; i < means.length; i++) {
        means[i] = p.windowLoss[i] / p.windowJoined;
      }
      ended = new WindowEnd(p.windowStart, p.windowStart + rule.window(), p.champion, d, means, p.windowJoined);
      p.champion = d.champion();
    }
    if (p.windowStart != window) {
      p.windowStart = window;
      Arrays.fill(p.windowLoss, 0);
      p.windowJoined = 0;
    }
    for (int i = 0; i < scores.length; i++) {
      double l = loss.ofScore(scores[i], y, w);
      p.servedLoss[i] += l;
      p.windowLoss[i] += l;
      if (loss.classifies() && scores[i] * y > 0) {
        p.correct[i]++;
      }
    }
    p.judged++;
    p.windowJoined++;
    return ended;
  }

  /** An event's feedback never came. */
  public void expired(LoopProgress p) {
    p.expired++;
  }

  /** The join refused an input. */
  public void refused(LoopProgress p) {
    p.refused++;
  }

  /** {@link #FIGURES} for the champion now (NaN where not yet defined). */
  public double[] figures(LoopProgress p) {
    int c = p.champion;
    return new double[] {meanServedLoss(p, c), accuracy(p, c), p.scored, p.joined, p.expired, p.learntAsNegative, p.refused,
        p.delayQuantile(0.5), p.delayQuantile(0.99), c};
  }

  /** Learner {@code i}'s mean loss on the scores it served, NaN before any example. */
  public double meanServedLoss(LoopProgress p, int i) {
    return p.judged == 0 ? Double.NaN : p.servedLoss[i] / p.judged;
  }

  /** The share of examples learner {@code i}'s served score had the right sign; NaN before any, or for a loss without classes. */
  public double accuracy(LoopProgress p, int i) {
    return p.judged == 0 || !loss.classifies() ? Double.NaN : (double) p.correct[i] / p.judged;
  }
}
