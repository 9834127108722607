package io.convexstream.flink.loop;

import io.convexstream.core.join.ChampionRule;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.omd.LearnerSettings;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * How the learning loop treats its streams.
 *
 * @param lineup every model's learners, unless a prefix of its id has its own
 * @param lineups per model-id prefix, that model's learners (the longest matching prefix wins)
 * @param champion the learner named to serve by option (null: each lineup's first); a restore under
 *     another name switches to it, a manual promotion. Every lineup has a learner of that name.
 * @param loss the loss every learner learns and is judged by
 * @param dim every model's dimension: named features are hashed into it, vectors must have it
 * @param maxDelayMillis how long after its event feedback is joined, in event time
 * @param negativeOnMissing events without feedback by then are learnt as the negative label (else they expire)
 * @param rule when a challenger replaces the champion
 * @param emitEvery publish the champion's parameters after every k-th joined feedback
 * @param publication how parameters are published
 */
public record LoopSettings(Lineup lineup, Map<String, Lineup> lineups, String champion, Loss loss, int dim, long maxDelayMillis,
    boolean negativeOnMissing, ChampionRule rule, int emitEvery, LearnerSettings.Publication publication) implements Serializable {

  /**
   * The learners of a model, all scoring and learning from the same feedback; the first serves
   * until a decision says otherwise.
   *
   * @param names the learners' names, in list order (the algorithm, with {@code #i} where it repeats)
   */
  public record Lineup(List<String> names, List<LearnerConfig> learners) implements Serializable {
    public Lineup {
      if (learners.isEmpty() || names.size() != learners.size()) {
        throw new IllegalArgumentException("the learning loop needs at least one learner");
      }
      names = List.copyOf(names);
      learners = List.copyOf(learners);
    }

    public int size() {
      return learners.size();
    }
  }

  public LoopSettings {
    if (loss == Loss.DISTANCE) {
      throw new IllegalArgumentException("the distance loss has no score to serve: the learning loop needs logistic, squared, hinge or huber");
    }
    lineups = Map.copyOf(lineups);
    for (Lineup l : all(lineup, lineups)) {
      if (champion != null && !l.names().contains(champion)) {
        throw new IllegalArgumentException("champion " + champion + " is not one of the learners " + l.names());
      }
    }
  }

  /** Settings with one lineup for every model. */
  public LoopSettings(Lineup lineup, String champion, Loss loss, int dim, long maxDelayMillis, boolean negativeOnMissing, ChampionRule rule,
      int emitEvery, LearnerSettings.Publication publication) {
    this(lineup, Map.of(), champion, loss, dim, maxDelayMillis, negativeOnMissing, rule, emitEvery, publication);
  }

  /** The learners of model {@code modelId}. */
  public Lineup lineupOf(String modelId) {
    return LearnerSettings.longestPrefix(lineups, modelId, lineup);
  }

  /** The most learners any model has. */
  public int mostLearners() {
    return all(lineup, lineups).stream().mapToInt(Lineup::size).max().orElseThrow();
  }

  private static List<Lineup> all(Lineup lineup, Map<String, Lineup> lineups) {
    List<Lineup> all = new java.util.ArrayList<>(lineups.values());
    all.add(lineup);
    return all;
  }
}
