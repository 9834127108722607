package io.convexstream.flink.omd;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.flink.DeadLetteringFunction;
import io.convexstream.flink.IdleKeys;
import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
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
  /** The model's learner in keyed state. */
  private transient ModelLearner model;
  private transient int eventTimeField; // position of eventTime in T's schema
  /** {@link #settings}, or on plain Java when ND4J cannot run on this TaskManager. */
  private transient LearnerSettings active;
  private transient StepSequencer<T> sequencer;
  private transient MapState<Long, Decoded<T>> buffer;

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
    TypeInformation<Decoded<T>> decodedType = Decoded.typeInfo(type);
    MapState<Long, Decoded<T>> buffer = getRuntimeContext().getMapState(new MapStateDescriptor<>("early-steps", Types.LONG, decodedType));
    metrics.trackOutputs();
    model = new ModelLearner(getRuntimeContext(), "", settings.publication(), metrics);
    sequencer = new StepSequencer<>(buffer, settings, metrics.group().counter("skippedSteps"));
    this.buffer = buffer;
    idleKeys.open(getRuntimeContext(), metrics);
    active = LearnerDevice.choose(settings, getRuntimeContext(), metrics.group());
  }

  @Override
  protected void process(Decoded<T> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    T r = in.value;
    String model = reader.modelId(r);
    long step = reader.step(r);
    ModelProgress p = this.model.progress();
    if (p == null) {
      if (!settings.autoCreate() && !settings.knownModels().contains(model)) {
        reject(in, ctx, "unknown model " + model + " (auto-creation is off)", false);
        return;
      }
      // a run without state starts from later offsets (committed ones), so its epoch is larger
      p = ModelLearner.create(settings.learnerFor(model), reader.dim(r), in.offset);
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
    this.model.update(p);
  }

  private StepSequencer.Apply<T> applying(ModelProgress p, Context ctx, Collector<ParameterUpdate> out) {
    return record -> applyOrReject(record, p, ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ParameterUpdate> out) throws Exception {
    ModelProgress p = model.progress();
    // busy: steps wait, or updates are not published yet
    boolean busy = p != null && (p.buffered > 0 || p.updates > p.lastEmittedVersion);
    if (idleKeys.expires(timestamp, ctx.timerService(), busy)) {
      model.clear();
      buffer.clear();
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
        String key = ctx.getCurrentKey();
        model.publishStored(p, active.learnerFor(key), key, out, null, null);
      }
    }
    model.update(p);
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
    String key = ctx.getCurrentKey();
    LearnerConfig config = active.learnerFor(key);
    LearnerRound played = model.play(p, config, reader, r);
    double loss = played.loss();
    double comparator = reader.comparatorLoss(r);
    long eventTime = eventTimeOf(r);
    p.lastStep = reader.step(r);
    p.lastProducer = reader.producerId(r);
    if (played.refused() != null) {
      // the model keeps its parameters (its state is not stored), the record is refused
      rejectCounted(p, in, ctx, "update would make the parameters of model " + key + " non-finite: " + played.refused(), false);
      return;
    }
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
    if (p.updates - p.lastEmittedVersion >= settings.emitEveryFor(key)) {
      model.publishPlayed(p, config, key, out, null, null);
    } else if (settings.emitIntervalMillis() > 0 && p.emitTimer == 0) {
      p.emitTimer = ctx.timerService().currentProcessingTime() + settings.emitIntervalMillis();
      ctx.timerService().registerProcessingTimeTimer(p.emitTimer);
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
