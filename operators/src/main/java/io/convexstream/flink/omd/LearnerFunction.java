package io.convexstream.flink.omd;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.flink.DeadLetteringFunction;
import io.convexstream.flink.IdleKeys;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One online learner per model id (the key), fed gradients or examples, publishing versioned
 * parameters. Steps at or below the last applied one (duplicates, late arrivals), wrong dimensions
 * and unknown models are dead-lettered with a reason; nothing is dropped silently. Its parts, one
 * job each: {@link StepSequencer} puts the steps in order, this class applies one step's update
 * to the learner's state, {@link ParameterPublisher} decides what a publication holds (over the
 * views of {@link ModelParameters}), and {@link LearnerDevice} picks where the learner computes.
 */
public final class LearnerFunction<T extends SpecificRecord> extends DeadLetteringFunction<Decoded<T>, T, ParameterUpdate> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LearnerFunction.class);

  private final LearnerSettings settings;
  private final RoundReader<T> reader;
  private transient ValueState<LearnerState> learnerState;
  private transient ValueState<ModelProgress> progressState;
  /** The arrays of models kept in blocks ({@link ModelProgress#blocked}). */
  private transient LearnerBlocks blocks;
  /** {@link Learners#freshCoordinate} per configuration (read-only). */
  private transient Map<LearnerConfig, LearnerState> freshCoordinates;
  private transient int eventTimeField; // position of eventTime in T's schema
  /** {@link #settings}, or on plain Java when ND4J cannot run on this TaskManager. */
  private transient LearnerSettings active;
  private transient StepSequencer<T> sequencer;
  private transient MapState<Long, Decoded<T>> buffer;
  private transient ParameterPublisher publisher;
  /** Gauges over all models, by {@link ModelFigure} ordinal (null: not aggregated). */
  private transient OperatorMetrics.Aggregate[] aggregated;

  private final IdleKeys idleKeys;

  public LearnerFunction(String job, LearnerSettings settings, RoundReader<T> reader, Class<T> type) {
    this(job, settings, reader, type, null);
  }

  /** {@code stateTtl}: how long a model may go without a record before its state is dropped (null: kept for good). */
  public LearnerFunction(String job, LearnerSettings settings, RoundReader<T> reader, Class<T> type, java.time.Duration stateTtl) {
    super(job, type);
    this.idleKeys = new IdleKeys(stateTtl);
    this.settings = settings;
    this.reader = reader;
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    super.open(ctx);
    eventTimeField = codec.schema().getField("eventTime").pos();
    learnerState = getRuntimeContext().getState(new ValueStateDescriptor<>("learner", LearnerState.class));
    progressState = getRuntimeContext().getState(new ValueStateDescriptor<>("progress", ModelProgress.class));
    TypeInformation<Decoded<T>> decodedType = Decoded.typeInfo(type);
    MapState<Long, Decoded<T>> buffer = getRuntimeContext().getMapState(new MapStateDescriptor<>("early-steps", Types.LONG, decodedType));
    freshCoordinates = new HashMap<>();
    blocks = new LearnerBlocks(getRuntimeContext().getMapState(
        new MapStateDescriptor<>("learner-blocks", Types.INT, TypeInformation.of(double[].class))));
    metrics.trackOutputs();
    aggregated = new OperatorMetrics.Aggregate[ModelFigure.values().length];
    for (ModelFigure f : ModelFigure.values()) {
      aggregated[f.ordinal()] = f.aggregated ? metrics.aggregateOf(f.figure) : null;
    }
    sequencer = new StepSequencer<>(buffer, settings, metrics.group().counter("skippedSteps"));
    this.buffer = buffer;
    idleKeys.open(getRuntimeContext(), metrics);
    publisher = new ParameterPublisher(settings.publication());
    active = LearnerDevice.choose(settings, getRuntimeContext(), metrics.group());
  }

  @Override
  protected void process(Decoded<T> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    T r = in.value;
    String model = reader.modelId(r);
    long step = reader.step(r);
    ModelProgress p = progressState.value();
    if (p == null) {
      if (!settings.autoCreate() && !settings.knownModels().contains(model)) {
        reject(in, ctx, "unknown model " + model + " (auto-creation is off)", false);
        return;
      }
      p = new ModelProgress();
      p.dim = reader.dim(r);
      // a separable learner keeps its arrays in blocks, so sparse updates touch only their blocks
      p.blocked = Learners.create(settings.learnerFor(model), 1).updatesOnlyGradientCoordinates();
      // a run without state starts from later offsets (committed ones), so its epoch is larger
      p.runEpoch = in.offset;
      if (idleKeys.enabled()) { // a model may come back after its state was dropped: its run starts where it is now
        p.lastStep = step - 1;
      }
    }
    idleKeys.touch(ctx.timerService());
    if (reader.dim(r) != p.dim) {
      rejectCounted(p, in, ctx, "dimension mismatch: model " + model + " has dimension " + p.dim + ", record has " + reader.dim(r), false);
    } else if (step <= p.lastStep) {
      boolean duplicate = step == p.lastStep && reader.producerId(r).equals(p.lastProducer);
      rejectCounted(p, in, ctx, (duplicate ? "duplicate" : "late") + " step " + step + " of model " + model
          + " from " + reader.producerId(r) + ": step " + p.lastStep + " already applied", !duplicate);
    } else if (step == p.lastStep + 1) {
      applyOrReject(in, p, ctx, out);
      sequencer.drain(p, applying(p, ctx, out));
    } else if (sequencer.isWaiting(step)) {
      rejectCounted(p, in, ctx, "duplicate step " + step + " of model " + model + ": already waiting for step " + (p.lastStep + 1), false);
    } else {
      sequencer.hold(p, step, in, applying(p, ctx, out));
    }
    sequencer.armGapTimer(p, ctx.timerService());
    progressState.update(p);
  }

  private StepSequencer.Apply<T> applying(ModelProgress p, Context ctx, Collector<ParameterUpdate> out) {
    return record -> applyOrReject(record, p, ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ParameterUpdate> out) throws Exception {
    ModelProgress p = progressState.value();
    // busy: steps wait, or updates are not published yet
    boolean busy = p != null && (p.buffered > 0 || p.updates > p.lastEmittedVersion);
    if (idleKeys.expires(timestamp, ctx.timerService(), busy)) {
      progressState.clear();
      learnerState.clear();
      buffer.clear();
      blocks.clear();
      return;
    }
    if (p == null) {
      return;
    }
    sequencer.onTimer(p, timestamp, ctx.timeDomain(), applying(p, ctx, out));
    sequencer.armGapTimer(p, ctx.timerService());
    if (timestamp == p.emitTimer) {
      p.emitTimer = 0;
      if (p.updates > p.lastEmittedVersion) {
        String model = ctx.getCurrentKey();
        LearnerConfig config = active.learnerFor(model);
        publish(p, out, p.blocked ? new ModelParameters.Blocked(p, config, blocks, learnerState.value(), fresh(config), null, null, null)
            : new ModelParameters.Whole(Learners.attach(config, p.dim, learnerState.value())), model);
      }
    }
    progressState.update(p);
  }

  /**
   * Applies one record, or dead-letters exactly that record when applying it fails: its step then
   * counts as consumed, so the steps after it go on. Readers and learners change nothing before
   * they succeed (a learner's update is all or nothing), so a failure leaves the model as it was.
   */
  private void applyOrReject(Decoded<T> in, ModelProgress p, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    try {
      apply(in, p, ctx, out);
    } catch (RuntimeException e) {
      p.lastStep = reader.step(in.value);
      rejectCounted(p, in, ctx, "internal error applying step " + p.lastStep + " of model " + ctx.getCurrentKey() + ": " + e, false);
    }
  }

  private void apply(Decoded<T> in, ModelProgress p, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    long start = System.nanoTime();
    T r = in.value;
    LearnerConfig config = active.learnerFor(ctx.getCurrentKey());
    // learner state is written with the first update applied: a model without one has none, and on
    // RocksDB looking up a key that is not there was half the learner's thread with 10⁶ new models
    LearnerState saved = p.updates == 0 ? null : learnerState.value();
    int[] coordinates = null; // blocked: the coordinates this record plays on (its learner holds only those)
    T round = r;
    OnlineLearner learner;
    if (p.blocked) {
      coordinates = reader.coordinates(r);
      if (coordinates == null) {
        coordinates = LearnerBlocks.all(p.dim);
      } else {
        round = reader.restricted(r);
      }
      LearnerState meta = saved != null ? saved : new LearnerState(config.algorithm(), 0);
      learner = Learners.restore(config, p.dim, blocks.gather(meta, fresh(config), p.dim, coordinates));
    } else {
      // attached: large state (oomd-ec's matrices) is updated in place instead of copied in and out;
      // safe because value() hands out a copy while a snapshot still needs the old object
      learner = saved == null ? Learners.create(config, p.dim) : Learners.attach(config, p.dim, saved);
    }
    LearnerRound played = LearnerRound.play(learner, reader, round);
    double[] before = played.played();
    double loss = played.loss();
    GradientVector g = played.gradient();
    double comparator = reader.comparatorLoss(r);
    long eventTime = eventTimeOf(r);
    long step = reader.step(r);
    String producer = reader.producerId(r);
    p.lastStep = step;
    p.lastProducer = producer;
    if (played.refused() != null) {
      // the model keeps its parameters (its state is not stored), the record is refused
      rejectCounted(p, in, ctx, "update would make the parameters of model " + ctx.getCurrentKey() + " non-finite: "
          + played.refused(), false);
      return;
    }
    LearnerState after = learner.exportState();
    if (p.blocked) {
      blocks.scatter(after, fresh(config), p.dim, coordinates);
      after.arrays.clear(); // the arrays live in the blocks; the value state keeps rounds and scalars
      double[] x = learner.decision();
      for (int k = 0; k < x.length; k++) {
        p.squaredNorm += x[k] * x[k] - before[k] * before[k];
      }
      p.changed = ParameterPublisher.withChanged(p.changed, coordinates, p.dim);
    } else {
      p.changed = learner.updatesOnlyGradientCoordinates() ? ParameterPublisher.withChanged(p.changed, g.indices(), p.dim) : null;
    }
    learnerState.update(after);

    p.updates = learner.rounds();
    p.lastEventTime = eventTime;
    if (!Double.isNaN(loss)) {
      p.lastLoss = loss;
      p.cumulativeLoss += loss;
      p.lossCount++;
      if (!Double.isNaN(comparator)) {
        p.regret += loss - comparator;
        p.regretCount++;
      }
    }
    metrics.applied(start);
    if (p.updates - p.lastEmittedVersion >= settings.emitEveryFor(ctx.getCurrentKey())) {
      publish(p, out, p.blocked ? new ModelParameters.Blocked(p, config, blocks, after, fresh(config), coordinates, learner.decision(), learner)
          : new ModelParameters.Whole(learner), ctx.getCurrentKey());
    } else if (settings.emitIntervalMillis() > 0 && p.emitTimer == 0) {
      p.emitTimer = ctx.timerService().currentProcessingTime() + settings.emitIntervalMillis();
      ctx.timerService().registerProcessingTimeTimer(p.emitTimer);
    }
  }

  private LearnerState fresh(LearnerConfig config) {
    return freshCoordinates.computeIfAbsent(config, Learners::freshCoordinate);
  }

  /**
   * Publishes the parameters; a failure here is not the record's (it is applied already), so it is
   * logged and counted as an internal error and the next update publishes again.
   */
  private void publish(ModelProgress p, Collector<ParameterUpdate> out, ModelParameters parameters, String model) {
    try {
      ParameterPublisher.Publication publication = publisher.publish(p, parameters, model);
      double[] f = publication.figures();
      metrics.keyGauges("model", model, ModelFigure.NAMES, f);
      for (int i = 0; i < f.length; i++) {
        if (aggregated[i] != null) {
          aggregated[i].add(f[i]);
        }
      }
      for (ParameterUpdate r : publication.records()) {
        out.collect(r);
      }
      metrics.outputOf("model", model);
    } catch (Exception e) {
      metrics.internalError();
      LOG.error("publishing the parameters of model {} failed", model, e);
    }
  }

  private long eventTimeOf(T r) {
    Object v = r.get(eventTimeField);
    return v instanceof Instant i ? i.toEpochMilli() : 0L;
  }

  /** Rejects a record of a known model, counting it in the model's progress and gauge. */
  private void rejectCounted(ModelProgress p, Decoded<T> in, Context ctx, String reason, boolean late) {
    p.rejected++;
    metrics.keyGauge("model", ctx.getCurrentKey(), "rejected", p.rejected);
    reject(in, ctx, reason, late);
  }

  @Override
  protected Decoded<T> decoded(Decoded<T> in) {
    return in;
  }
}
