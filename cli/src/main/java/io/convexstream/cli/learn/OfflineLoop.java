package io.convexstream.cli.learn;

import io.convexstream.core.join.FeedbackJoin;
import io.convexstream.core.join.HeapJoinStore;
import io.convexstream.core.join.LoopJudge;
import io.convexstream.core.join.LoopProgress;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.flink.loop.LoopSettings;
import io.convexstream.flink.omd.LearnerRound;
import io.convexstream.flink.omd.RoundReader;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.features.FeatureHashing;
import io.convexstream.schemas.validate.RecordChecks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learning loop over recorded events and feedback, as the job {@code events} runs it
 * (`convexstream learn` on a recording with an events topic): the same join ({@link FeedbackJoin}
 * in event time), the same rounds ({@link LearnerRound} with the examples' reader), the same
 * judge ({@link LoopJudge}), with whole-array learners (the job's blocks hold the same numbers:
 * the separable learners are tested to update identically). Everything recorded is played, with
 * nothing late: the job agrees where its watermark never passed an input before it arrived.
 */
public final class OfflineLoop {
  private OfflineLoop() {}

  /** An event's features and what each learner scored. */
  private static final class Event {
    final int[] indices;
    final double[] values;
    double[] scores;

    Event(int[] indices, double[] values) {
      this.indices = indices;
      this.values = values;
    }
  }

  /** A window's end as the job publishes it. */
  public record Decision(long windowStart, String champion, String previous, boolean promoted, double[] meanLoss, long joined) {}

  /**
   * One model: its learners' names and final parameters (list order), the champion serving at the end, the
   * judge's figures ({@link LoopJudge#FIGURES}), the champion decisions, every event's served
   * score in play order, and the join's dead letters by reason.
   */
  public record ModelResult(String model, List<String> learners, List<double[]> parameters, String champion, double[] figures, List<Decision> decisions,
      List<Double> servedScores, Map<String, Integer> deadLetters, double[] meanServedLoss, double[] accuracy) {}

  /** Every model, and the inputs the job would dead-letter before the join (undecodable or invalid). */
  public record Result(Map<String, ModelResult> models, int events, int feedback, int invalid) {}

  /** {@code events} and {@code feedback}: decoded records in recorded order ({@link OfflineLearning#UNDECODABLE} for the rest). */
  public static Result run(LoopSettings s, List<?> events, List<?> feedback) {
    Map<String, List<Object>> inputs = new LinkedHashMap<>();
    int invalid = 0;
    for (List<?> topic : List.of(events, feedback)) {
      for (Object o : topic) {
        if (o == OfflineLearning.UNDECODABLE || RecordChecks.problem(o) != null) {
          invalid++;
        } else {
          String model = o instanceof LearningEvent e ? e.getModelId() : ((Feedback) o).getModelId();
          inputs.computeIfAbsent(model, m -> new ArrayList<>()).add(o);
        }
      }
    }
    Map<String, ModelResult> models = new LinkedHashMap<>();
    inputs.forEach((model, records) -> models.put(model, runModel(s, model, records)));
    return new Result(models, events.size(), feedback.size(), invalid);
  }

  private static ModelResult runModel(LoopSettings s, String model, List<Object> records) {
    LoopSettings.Lineup lineup = s.lineupOf(model);
    int n = lineup.size();
    OnlineLearner[] learners = new OnlineLearner[n];
    for (int i = 0; i < n; i++) {
      learners[i] = Learners.create(lineup.learners().get(i), s.dim());
    }
    RoundReader<LabelledExample> reader = new RoundReader.Examples(s.loss());
    LoopJudge judge = new LoopJudge(lineup.names(), s.loss(), s.rule(), s.champion());
    LoopProgress p = new LoopProgress(n);
    List<Decision> decisions = new ArrayList<>();
    List<Double> served = new ArrayList<>();
    Map<String, Integer> deadLetters = new TreeMap<>();
    FeedbackJoin.Sink<Event> sink = new FeedbackJoin.Sink<>() {
      @Override
      public void predict(String id, long time, Event e) {
        judge.serving(p);
        e.scores = new double[n];
        for (int i = 0; i < n; i++) {
          double[] x = learners[i].decision();
          double score = 0;
          for (int k = 0; k < e.values.length; k++) {
            score += x[e.indices == null ? k : e.indices[k]] * e.values[k];
          }
          e.scores[i] = score;
        }
        judge.scored(p);
        served.add(e.scores[p.champion]);
      }

      @Override
      public void learn(String id, long time, Event e, double label, double weight, long feedbackTime, boolean missing) {
        double y = missing ? s.loss().negativeLabel() : label;
        LoopJudge.WindowEnd ended = judge.judge(p, e.scores, y, weight, time, feedbackTime, missing);
        if (ended != null) {
          decisions.add(new Decision(ended.start(), lineup.names().get(ended.decision().champion()), lineup.names().get(ended.previous()),
              ended.decision().promoted(), ended.meanLoss(), ended.joined()));
        }
        NumericVector features = new NumericVector(s.dim(), e.indices == null ? null : Arrays.stream(e.indices).boxed().toList(),
            Arrays.stream(e.values).boxed().toList());
        LabelledExample example = new LabelledExample(model, 1L, id, features, y, weight, null, Instant.ofEpochMilli(time));
        for (int i = 0; i < n; i++) {
          LearnerState before = learners[i].exportState();
          if (LearnerRound.play(learners[i], reader, example).refused() != null) { // the job keeps the learner as it was
            learners[i] = Learners.restore(lineup.learners().get(i), s.dim(), before);
          }
        }
      }

      @Override
      public void expired(String id, long time) {
        judge.expired(p);
      }

      @Override
      public void deadLetter(FeedbackJoin.Item<Event> item, String reason) {
        judge.refused(p);
        deadLetters.merge(reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason, 1, Integer::sum);
      }
    };
    FeedbackJoin<Event> join = new FeedbackJoin<>(s.maxDelayMillis(), s.negativeOnMissing());
    HeapJoinStore<Event> store = new HeapJoinStore<>();
    for (Object o : records) {
      if (o instanceof LearningEvent e) {
        Event features = features(e, s.dim());
        if (features == null) {
          deadLetters.merge("dimension mismatch", 1, Integer::sum);
        } else {
          join.event(store, sink, e.getEventId(), e.getEventTime().toEpochMilli(), features);
        }
      } else {
        Feedback f = (Feedback) o;
        join.feedback(store, sink, f.getEventId(), f.getEventTime().toEpochMilli(), f.getLabel(), f.getWeight(), null);
      }
    }
    join.advanceTo(store, sink, Long.MAX_VALUE);
    List<double[]> parameters = new ArrayList<>();
    for (OnlineLearner l : learners) {
      parameters.add(l.decision().clone());
    }
    double[] meanLoss = new double[n];
    double[] accuracy = new double[n];
    for (int i = 0; i < n; i++) {
      meanLoss[i] = judge.meanServedLoss(p, i);
      accuracy[i] = judge.accuracy(p, i);
    }
    return new ModelResult(model, lineup.names(), parameters, lineup.names().get(p.champion), judge.figures(p), decisions, served, deadLetters, meanLoss,
        accuracy);
  }

  /** As the job reads them: named features hashed, a vector of another dimension refused (null). */
  private static Event features(LearningEvent e, int dim) {
    FeatureHashing.Sparse f = FeatureHashing.of(e, dim);
    return f == null ? null : new Event(f.indices(), f.values());
  }
}
