package io.convexstream.flink.loop;

import io.convexstream.core.join.ChampionRule;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.omd.LearnerSettings;
import java.io.Serializable;
import java.util.List;

/**
 * How the learning loop treats its streams.
 *
 * @param names the learners' names, in list order (the algorithm, with {@code #i} where it repeats)
 * @param learners every model's learners; the first serves until a decision says otherwise
 * @param champion the learner named to serve by option (null: the first); a restore under another
 *     name switches to it, a manual promotion
 * @param loss the loss every learner learns and is judged by
 * @param dim every model's dimension: named features are hashed into it, vectors must have it
 * @param maxDelayMillis how long after its event feedback is joined, in event time
 * @param negativeOnMissing events without feedback by then are learnt as the negative label (else they expire)
 * @param rule when a challenger replaces the champion
 * @param emitEvery publish the champion's parameters after every k-th joined feedback
 * @param publication how parameters are published
 */
public record LoopSettings(List<String> names, List<LearnerConfig> learners, String champion, Loss loss, int dim, long maxDelayMillis,
    boolean negativeOnMissing, ChampionRule rule, int emitEvery, LearnerSettings.Publication publication) implements Serializable {

  public LoopSettings {
    if (learners.isEmpty() || names.size() != learners.size()) {
      throw new IllegalArgumentException("the learning loop needs at least one learner");
    }
    if (loss == Loss.DISTANCE) {
      throw new IllegalArgumentException("the distance loss has no score to serve: the learning loop needs logistic, squared, hinge or huber");
    }
    if (champion != null && !names.contains(champion)) {
      throw new IllegalArgumentException("champion " + champion + " is not one of the learners " + names);
    }
    names = List.copyOf(names);
    learners = List.copyOf(learners);
  }
}
