package io.convexstream.flink.loop;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.join.FeedbackJoin;
import io.convexstream.core.join.LoopJudge;
import io.convexstream.core.join.LoopProgress;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.flink.omd.LearnerRound;
import io.convexstream.flink.omd.ModelLearner;
import io.convexstream.flink.omd.ModelProgress;
import io.convexstream.flink.omd.RoundReader;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.ChallengerScore;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.features.FeatureHashing;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The learning loop of one model (the key): events are scored at once by every learner with its
 * current parameters, in the same state as the learners, and the champion's score is published;
 * each event's features wait for its feedback, joined in event time ({@link FeedbackJoin}: the same
 * joins in a replay as live, whatever the arrival order of the two inputs), and every learner then
 * learns from it exactly as the examples pipeline would (test-then-train at its current
 * parameters). Each learner is judged on the scores it served (progressive validation), and at the
 * end of each champion window a {@link io.convexstream.core.join.ChampionRule} decides who serves next. Outputs: the
 * champion's parameters (main), predictions and champion decisions (side outputs), dead letters.
 */
public final class FeedbackLoopFunction
    extends KeyedCoProcessFunction<String, Decoded<LearningEvent>, Decoded<Feedback>, ParameterUpdate> {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<Prediction> PREDICTIONS = new OutputTag<>("predictions") {};
  public static final OutputTag<ChampionDecision> DECISIONS = new OutputTag<>("champion-decisions") {};

  /** The loop's figures, after the learner's in each publication (those NaN are left out) and as gauges. */
  private static final String[] PUBLISHED_FIGURES = LoopJudge.FIGURES.toArray(String[]::new);

  private final String job;
  private final LoopSettings settings;
  private final RoundReader<LabelledExample> reader;
  private transient FeedbackJoin<LoopEvent> join;
  private transient JoinState joinState;
  private transient ModelLearner[] learners;
  private transient ValueState<LoopProgress> progressState;
  private transient OperatorMetrics metrics;
  private transient AvroCodec<LearningEvent> eventCodec;
  private transient AvroCodec<Feedback> feedbackCodec;
  /** Per lineup (by identity: the settings' own instances), its judge. */
  private transient Map<LoopSettings.Lineup, LoopJudge> judges;

  public FeedbackLoopFunction(String job, LoopSettings settings) {
    this.job = job;
    this.settings = settings;
    this.reader = new RoundReader.Examples(settings.loss());
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    metrics = OperatorMetrics.register(getRuntimeContext());
    metrics.trackOutputs();
    eventCodec = AvroCodec.of(LearningEvent.class);
    feedbackCodec = AvroCodec.of(Feedback.class);
    join = new FeedbackJoin<>(settings.maxDelayMillis(), settings.negativeOnMissing());
    joinState = new JoinState(getRuntimeContext());
    learners = new ModelLearner[settings.mostLearners()]; // a model with fewer uses the first ones
    for (int i = 0; i < learners.length; i++) {
      learners[i] = new ModelLearner(getRuntimeContext(), "-" + i, settings.publication(), metrics);
    }
    progressState = getRuntimeContext().getState(new ValueStateDescriptor<>("loop-progress", LoopProgress.class));
    judges = new IdentityHashMap<>();
  }

  @Override
  public void processElement1(Decoded<LearningEvent> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    try {
      LearningEvent e = in.value;
      LoopEvent payload = features(e);
      if (payload == null) {
        reject(in, eventCodec, ctx, "dimension mismatch: the models have dimension " + settings.dim() + " (features.dim), the event's "
            + "features " + e.getFeatures().getDim());
        return;
      }
      payload.partition = in.partition;
      payload.offset = in.offset;
      Host host = new Host(ctx, out);
      join.event(joinState.with(ctx.timerService()), host, e.getEventId(), e.getEventTime().toEpochMilli(), payload);
      host.store();
    } catch (RuntimeException e) { // nothing is changed before the record is buffered
      reject(in, eventCodec, ctx, "internal error reading the record: " + e);
    }
  }

  @Override
  public void processElement2(Decoded<Feedback> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    try {
      Feedback f = in.value;
      joinState.with(ctx.timerService());
      Host host = new Host(ctx, out);
      if (joinState.pending(f.getEventId()) == null && joinState.closed(f.getEventId()) == null) {
        LoopProgress p = host.progress();
        p.early++;
        metrics.keyGauge("model", ctx.getCurrentKey(), "early", p.early);
      }
      join.feedback(joinState, host, f.getEventId(), f.getEventTime().toEpochMilli(), f.getLabel(), f.getWeight(),
          new LoopEvent(in.partition, in.offset, null, null));
      host.store();
    } catch (RuntimeException e) {
      reject(in, feedbackCodec, ctx, "internal error reading the record: " + e);
    }
  }

  /** The watermark passed {@code timestamp}: what waits there is played (see {@link JoinState}). */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ParameterUpdate> out) throws Exception {
    Host host = new Host(ctx, out);
    join.advanceTo(joinState.with(ctx.timerService()), host, timestamp);
    host.store();
  }

  /** The event's features in the models' dimension, or null when a vector has another dimension. */
  private LoopEvent features(LearningEvent e) {
    FeatureHashing.Sparse f = FeatureHashing.of(e, settings.dim());
    return f == null ? null : new LoopEvent(0, 0, f.indices(), f.values());
  }

  private <T extends SpecificRecord> void reject(Decoded<T> in, AvroCodec<T> codec, Context ctx, String reason) {
    metrics.deadLettered();
    ctx.output(DeadLetters.TAG, DeadLetters.of(in, codec, DeadLetters.APPLY, reason, job));
  }

  /** What the join asks of the model, for one record or timer. */
  private final class Host implements FeedbackJoin.Sink<LoopEvent> {
    private final KeyedCoProcessFunction<String, Decoded<LearningEvent>, Decoded<Feedback>, ParameterUpdate>.Context ctx;
    private final Collector<ParameterUpdate> out;
    private final String model;
    private final LoopSettings.Lineup lineup;
    private final LoopJudge judge;
    /** The model's loop figures, read when first needed: buffering an input, a joined event's deadline or a forget need none. */
    private LoopProgress loaded;

    Host(KeyedCoProcessFunction<String, Decoded<LearningEvent>, Decoded<Feedback>, ParameterUpdate>.Context ctx,
        Collector<ParameterUpdate> out) {
      this.ctx = ctx;
      this.out = out;
      this.model = ctx.getCurrentKey();
      this.lineup = settings.lineupOf(model);
      this.judge = judges.computeIfAbsent(lineup, l -> new LoopJudge(l.names(), settings.loss(), settings.rule(), settings.champion()));
    }

    LoopProgress progress() {
      if (loaded == null) {
        try {
          loaded = progressState.value();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        if (loaded == null) {
          loaded = new LoopProgress(lineup.size());
        }
      }
      return loaded;
    }

    /** Writes the figures back if they were read. */
    void store() throws Exception {
      if (loaded != null) {
        progressState.update(loaded);
      }
    }

    @Override
    public void predict(String eventId, long eventTime, LoopEvent event) {
      long start = System.nanoTime();
      LoopProgress p = progress();
      try {
        if (p.runEpoch < 0) {
          // the first event played, the same in a replay; a run without state starts from later
          // (committed) offsets, so its epoch is larger
          p.runEpoch = event.offset;
        }
        judge.serving(p); // a champion other than the last serves with a snapshot: as a challenger it kept no changes
        double[] scores = new double[lineup.size()];
        List<ChallengerScore> challengers = new ArrayList<>(lineup.size() - 1);
        long championVersion = 0;
        for (int i = 0; i < lineup.size(); i++) {
          ModelProgress m = learner(i);
          double[] x = learners[i].decisionAt(m, lineup.learners().get(i), event.indices);
          double s = 0;
          for (int k = 0; k < x.length; k++) {
            s += x[k] * event.values[k];
          }
          scores[i] = s;
          if (i == p.champion) {
            championVersion = m.updates;
          } else {
            challengers.add(new ChallengerScore(lineup.names().get(i), m.updates, s));
          }
        }
        event.scores = scores;
        judge.scored(p);
        double served = scores[p.champion];
        Double probability = settings.loss() == Loss.LOGISTIC ? 1 / (1 + Math.exp(-served)) : null;
        ctx.output(PREDICTIONS, new Prediction(model, eventId, p.runEpoch, lineup.names().get(p.champion), championVersion, served,
            probability, challengers, Instant.ofEpochMilli(eventTime)));
        metrics.applied(start);
      } catch (Exception e) {
        throw new IllegalStateException(e.toString(), e);
      }
    }

    @Override
    public void learn(String eventId, long eventTime, LoopEvent event, double label, double weight, long feedbackTime, boolean missing) {
      long start = System.nanoTime();
      LoopProgress p = progress();
      try {
        double y = missing ? settings.loss().negativeLabel() : label;
        LoopJudge.WindowEnd ended = judge.judge(p, event.scores, y, weight, eventTime, feedbackTime, missing);
        if (ended != null) {
          decided(ended);
        }
        NumericVector features = new NumericVector(settings.dim(), event.indices == null ? null : Arrays.stream(event.indices).boxed().toList(),
            Arrays.stream(event.values).boxed().toList());
        boolean published = false;
        for (int i = 0; i < lineup.size(); i++) {
          ModelProgress m = learner(i);
          LabelledExample example = new LabelledExample(model, m.lastStep + 1, eventId, features, y, weight, null,
              Instant.ofEpochMilli(eventTime));
          LearnerRound round = learners[i].play(m, lineup.learners().get(i), reader, example);
          m.lastStep++;
          m.lastProducer = eventId;
          m.lastEventTime = eventTime;
          if (round.refused() != null) {
            m.rejected++; // that learner keeps its parameters; the others learn
          } else if (!Double.isNaN(round.loss())) {
            m.lastLoss = round.loss();
            m.cumulativeLoss += round.loss();
            m.lossCount++;
          }
          if (i != p.champion) {
            m.changed = null; // a challenger publishes nothing: when promoted it starts with a snapshot
          } else if (round.refused() == null && m.updates - m.lastEmittedVersion >= settings.emitEvery()) {
            learners[i].publishPlayed(m, lineup.learners().get(i), model, out, PUBLISHED_FIGURES, judge.figures(p));
            published = true;
          }
          learners[i].update(m);
        }
        if (published) {
          metrics.keyGauges("model", model, PUBLISHED_FIGURES, judge.figures(p));
        }
        if (!missing) {
          metrics.applied(start);
        }
      } catch (Exception e) { // each learner's update is all or nothing: those before the failure learnt
        throw new IllegalStateException(e.toString(), e);
      }
    }

    private void decided(LoopJudge.WindowEnd w) {
      List<Double> means = new ArrayList<>(w.meanLoss().length);
      for (double m : w.meanLoss()) {
        means.add(m);
      }
      ctx.output(DECISIONS, new ChampionDecision(model, loaded.runEpoch, Instant.ofEpochMilli(w.start()), Instant.ofEpochMilli(w.end()),
          lineup.names().get(w.decision().champion()), lineup.names().get(w.previous()), w.decision().promoted(), w.decision().reason(),
          lineup.names(), means, w.joined()));
    }

    private ModelProgress learner(int i) throws Exception {
      ModelProgress m = learners[i].progress();
      return m != null ? m : ModelLearner.create(lineup.learners().get(i), settings.dim(), progress().runEpoch);
    }

    @Override
    public void expired(String eventId, long eventTime) {
      judge.expired(progress());
    }

    @Override
    public void deadLetter(FeedbackJoin.Item<LoopEvent> item, String reason) {
      judge.refused(progress());
      boolean late = reason.startsWith("late");
      if (late) {
        metrics.lateAndDeadLettered();
      } else {
        metrics.deadLettered();
      }
      LoopEvent e = item.features();
      Instant time = Instant.ofEpochMilli(item.time());
      if (item.kind() == FeedbackJoin.Kind.EVENT) {
        NumericVector features = new NumericVector(settings.dim(), e.indices == null ? null : Arrays.stream(e.indices).boxed().toList(),
            Arrays.stream(e.values).boxed().toList());
        ctx.output(DeadLetters.TAG, DeadLetters.of(origin(new LearningEvent(model, item.id(), features, null, time), "events", e), eventCodec,
            DeadLetters.APPLY, reason, job));
      } else {
        ctx.output(DeadLetters.TAG, DeadLetters.of(origin(new Feedback(model, item.id(), item.label(), item.weight(), time), "feedback", e),
            feedbackCodec, DeadLetters.APPLY, reason, job));
      }
    }

    private <T extends SpecificRecord> Decoded<T> origin(T value, String topic, LoopEvent e) {
      Decoded<T> d = new Decoded<>();
      d.value = value;
      d.topic = "convexstream." + topic;
      d.partition = e.partition;
      d.offset = e.offset;
      d.key = model.getBytes(StandardCharsets.UTF_8);
      return d;
    }
  }
}
