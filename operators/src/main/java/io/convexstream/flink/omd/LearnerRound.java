package io.convexstream.flink.omd;

import io.convexstream.core.learn.NonFiniteUpdateException;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.linalg.Vectors;

/**
 * One round of the online game on a learner, as the learner job plays it and {@code convexstream learn}
 * replays it: loss and gradient at the current decision (read before the model changes), then the update.
 * Engine-free, so the offline command runs the job's arithmetic bit for bit.
 *
 * @param played x_t, the decision the round was played at (a copy)
 * @param loss f_t(x_t), NaN when the record does not say (gradient mode without a loss)
 * @param gradient g_t
 * @param refused why the update was refused (the learner's state must then be discarded), or null
 */
public record LearnerRound(double[] played, double loss, GradientVector gradient, String refused) {

  public static <T> LearnerRound play(OnlineLearner learner, RoundReader<T> reader, T round) {
    double[] before = learner.decision().clone();
    // everything read from the record before the model changes: a reader that throws changes nothing
    double loss = reader.loss(round, before);
    GradientVector g = reader.gradient(round, before);
    String refused = null;
    try {
      learner.update(g);
    } catch (NonFiniteUpdateException e) { // all or nothing: the state is as it was
      refused = e.getMessage();
    }
    if (refused == null && !Vectors.allFinite(learner.decision())) {
      refused = "the parameters would be non-finite"; // e.g. a finite but huge gradient
    }
    return new LearnerRound(before, loss, g, refused);
  }
}
