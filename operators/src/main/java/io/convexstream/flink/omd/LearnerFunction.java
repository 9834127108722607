package io.convexstream.flink.omd;

import io.convexstream.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.linalg.Nd4jDevice;
import io.convexstream.core.linalg.Vectors;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.PackedVectors;
import io.convexstream.schemas.publication.ParameterChunks;
import io.convexstream.schemas.codec.AvroCodec;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One online learner per model id (the key), fed gradients or examples, publishing versioned
 * parameters. Steps are applied in order: early steps wait in a buffer (up to {@code
 * maxBufferedSteps}, for up to {@code gapTimeoutMillis}) and a missing step is then skipped and
 * counted (when a bounded input ends, waiting steps are applied after skipping what is missing); steps at or below the last applied one (duplicates, late arrivals), wrong dimensions
 * and unknown models are dead-lettered with a reason. Nothing is dropped silently.
 */
public final class LearnerFunction<T extends SpecificRecord> extends KeyedProcessFunction<String, Decoded<T>, ParameterUpdate> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LearnerFunction.class);

  private final String job;
  private final LearnerSettings settings;
  private final RoundReader<T> reader;
  private final Class<T> type;
  private transient AvroCodec<T> codec;
  private transient ValueState<LearnerState> learnerState;
  private transient ValueState<ModelProgress> progressState;
  private transient MapState<Long, Decoded<T>> buffer;
  /** The arrays of models kept in blocks ({@link ModelProgress#blocked}). */
  private transient LearnerBlocks blocks;
  /** {@link Learners#freshCoordinate} per configuration (read-only). */
  private transient Map<LearnerConfig, LearnerState> freshCoordinates;
  private transient OperatorMetrics metrics;
  private transient int eventTimeField; // position of eventTime in T's schema
  private transient Counter skipped;
  /** {@link #settings}, or on plain Java when ND4J cannot run on this TaskManager. */
  private transient LearnerSettings active;
  private transient OperatorMetrics.Aggregate[] aggregated;

  /**
   * The per-model figures each publication carries (its metrics map) and sets as gauges: the first
   * {@link #ALWAYS_PUBLISHED} always, the loss figures once the inputs gave a loss, regret once they gave a comparator's loss.
   */
  private static final String[] FIGURES = {"updates", "stepSize", "gradientVariation", "parameterNorm", "missingSteps", "rejected",
      "loss", "cumulativeLoss", "meanLoss", "regret"};
  private static final int ALWAYS_PUBLISHED = 6;
  /** Positions in {@link #FIGURES} of those also aggregated over all models ({@code all.<name>}). */
  private static final int[] AGGREGATED = {6, 9, 2, 1, 3};

  public LearnerFunction(String job, LearnerSettings settings, RoundReader<T> reader, Class<T> type) {
    this.job = job;
    this.settings = settings;
    this.reader = reader;
    this.type = type;
  }

  @Override
  public void open(OpenContext ctx) {
    codec = AvroCodec.of(type);
    eventTimeField = codec.schema().getField("eventTime").pos();
    learnerState = getRuntimeContext().getState(new ValueStateDescriptor<>("learner", LearnerState.class));
    progressState = getRuntimeContext().getState(new ValueStateDescriptor<>("progress", ModelProgress.class));
    TypeInformation<Decoded<T>> decodedType = Decoded.typeInfo(type);
    buffer = getRuntimeContext().getMapState(new MapStateDescriptor<>("early-steps", Types.LONG, decodedType));
    freshCoordinates = new HashMap<>();
    blocks = new LearnerBlocks(getRuntimeContext().getMapState(
        new MapStateDescriptor<>("learner-blocks", Types.INT, TypeInformation.of(double[].class))));
    metrics = OperatorMetrics.register(getRuntimeContext());
    metrics.trackOutputs();
    aggregated = java.util.Arrays.stream(AGGREGATED).mapToObj(i -> metrics.aggregateOf(FIGURES[i])).toArray(OperatorMetrics.Aggregate[]::new);
    skipped = metrics.group().counter("skippedSteps");
    // a GPU task manager (deploy/kubernetes/flink/gradients.yaml) assigns each slot a GPU index
    int gpu = getRuntimeContext().getExternalResourceInfos("gpu").stream().findFirst()
        .flatMap(info -> info.getProperty("index")).map(Integer::parseInt).orElse(-1);
    metrics.group().gauge("gpuIndex", (org.apache.flink.metrics.Gauge<Integer>) () -> gpu);
    active = settings;
    int nd4jDevice = -2; // −2: plain Java; −1: ND4J on the CPU; ≥ 0: ND4J on that CUDA device
    if (settings.mayUseNd4j()) {
      Nd4jDevice.Choice choice = Nd4jDevice.select(gpu);
      LOG.info("{}: {}", getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(), choice.description());
      if (!choice.usable()) {
        active = settings.replaceBackend("nd4j", "java").replaceBackend("auto", "java");
      }
      nd4jDevice = choice.usable() ? choice.cudaDevice() : -2;
    }
    int device = nd4jDevice;
    metrics.group().gauge("nd4jDevice", (org.apache.flink.metrics.Gauge<Integer>) () -> device);
  }

  @Override
  public void processElement(Decoded<T> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    try {
      process(in, ctx, out);
    } catch (RuntimeException e) { // reading the record's key fields failed: nothing was changed yet
      reject(in, ctx, "internal error reading the record: " + e, false);
    }
  }

  private void process(Decoded<T> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
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
    }
    if (reader.dim(r) != p.dim) {
      rejectCounted(p, in, ctx, "dimension mismatch: model " + model + " has dimension " + p.dim + ", record has " + reader.dim(r), false);
    } else if (step <= p.lastStep) {
      boolean duplicate = step == p.lastStep && reader.producerId(r).equals(p.lastProducer);
      rejectCounted(p, in, ctx, (duplicate ? "duplicate" : "late") + " step " + step + " of model " + model
          + " from " + reader.producerId(r) + ": step " + p.lastStep + " already applied", !duplicate);
    } else if (step == p.lastStep + 1) {
      applyOrReject(in, p, ctx, out);
      drain(p, ctx, out);
    } else if (buffer.contains(step)) {
      rejectCounted(p, in, ctx, "duplicate step " + step + " of model " + model + ": already waiting for step " + (p.lastStep + 1), false);
    } else {
      buffer.put(step, in);
      p.buffered++;
      if (p.buffered > settings.maxBufferedSteps()) {
        skipGap(p);
        drain(p, ctx, out);
      }
    }
    armGapTimer(p, ctx);
    progressState.update(p);
  }

  /**
   * A gap timer runs exactly while steps wait, so every waiting step is applied in the end. Timers
   * are never deleted: Flink keeps one timer per key and timestamp, so deleting the gap timer would
   * also delete an emission timer due in the same millisecond. A timer that no longer matches
   * {@code gapTimer} or {@code emitTimer} does nothing when it fires.
   */
  private void armGapTimer(ModelProgress p, Context ctx) {
    if (p.buffered > 0 && p.gapTimer == 0) {
      p.gapTimer = ctx.timerService().currentProcessingTime() + settings.gapTimeoutMillis();
      ctx.timerService().registerProcessingTimeTimer(p.gapTimer);
      // fires only when a bounded input ends (or a drain): then waiting steps need not wait
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    } else if (p.buffered == 0) {
      p.gapTimer = 0;
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ParameterUpdate> out) throws Exception {
    ModelProgress p = progressState.value();
    if (p == null) {
      return;
    }
    if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == Long.MAX_VALUE) {
      while (skipGap(p)) {
        drain(p, ctx, out);
      }
    } else if (timestamp == p.gapTimer) {
      p.gapTimer = 0;
      if (skipGap(p)) {
        drain(p, ctx, out);
      }
    }
    armGapTimer(p, ctx);
    if (timestamp == p.emitTimer) {
      p.emitTimer = 0;
      if (p.updates > p.lastEmittedVersion) {
        String model = ctx.getCurrentKey();
        LearnerConfig config = active.learnerFor(model);
        publish(p, out, p.blocked ? new BlockedParameters(p, config, learnerState.value(), null, null, null)
            : new WholeParameters(Learners.attach(config, p.dim, learnerState.value())), model);
      }
    }
    progressState.update(p);
  }

  /**
   * Gives up on the missing steps before the earliest buffered one; false when nothing waits. The
   * count of waiting steps is taken from the buffer itself, so it cannot drift from what waits.
   */
  private boolean skipGap(ModelProgress p) throws Exception {
    long first = Long.MAX_VALUE;
    int waiting = 0;
    for (Long s : buffer.keys()) {
      first = Math.min(first, s);
      waiting++;
    }
    p.buffered = waiting;
    if (waiting == 0) {
      return false;
    }
    long missing = first - p.lastStep - 1;
    p.missingSteps += missing;
    skipped.inc(missing);
    p.lastStep = first - 1;
    return true;
  }

  private void drain(ModelProgress p, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    Decoded<T> next;
    while ((next = buffer.get(p.lastStep + 1)) != null) {
      buffer.remove(p.lastStep + 1);
      p.buffered--;
      applyOrReject(next, p, ctx, out);
    }
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
      p.changed = withChanged(p.changed, coordinates, p.dim);
    } else {
      p.changed = learner.updatesOnlyGradientCoordinates() ? withChanged(p.changed, g.indices(), p.dim) : null;
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
      publish(p, out, p.blocked ? new BlockedParameters(p, config, after, coordinates, learner.decision(), learner) : new WholeParameters(learner),
          ctx.getCurrentKey());
    } else if (settings.emitIntervalMillis() > 0 && p.emitTimer == 0) {
      p.emitTimer = ctx.timerService().currentProcessingTime() + settings.emitIntervalMillis();
      ctx.timerService().registerProcessingTimeTimer(p.emitTimer);
    }
  }

  /**
   * A snapshot's entries: {@code values} at {@code indices} (zero elsewhere), or all of them
   * ({@code indices} null); {@code work}: the coordinates computed to find them.
   */
  private record Entries(int[] indices, double[] values, long work) {}

  private LearnerState fresh(LearnerConfig config) {
    return freshCoordinates.computeIfAbsent(config, Learners::freshCoordinate);
  }

  /** What a publication needs of a model's parameters, whichever way they are kept. */
  private interface Parameters {
    /** The whole vector, for a snapshot. */
    Entries all() throws Exception;

    /** The entries at {@code coordinates} (strictly increasing), in order. */
    double[] at(int[] coordinates) throws Exception;

    double squaredNorm() throws Exception;

    /** A learner with the model's rounds and scalars: its step size and other figures, whatever its arrays. */
    OnlineLearner learner();
  }

  /** A learner that holds its whole vector. */
  private record WholeParameters(OnlineLearner learner) implements Parameters {
    @Override
    public Entries all() {
      return new Entries(null, learner.decision(), learner.decision().length);
    }

    @Override
    public double[] at(int[] coordinates) {
      double[] x = learner.decision();
      double[] v = new double[coordinates.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = x[coordinates[k]];
      }
      return v;
    }

    @Override
    public double squaredNorm() {
      double n = Vectors.norm2(learner.decision());
      return n * n;
    }
  }

  /** A model kept in blocks: its entries are computed from the blocks they live in. */
  private final class BlockedParameters implements Parameters {
    private final ModelProgress p;
    private final LearnerConfig config;
    private final LearnerState meta;
    private final LearnerState fresh;
    private final int[] applied;
    private final double[] decision;
    private final OnlineLearner played;

    /**
     * {@code saved}: the model's stored learner state (rounds and scalars), as the caller has it at
     * hand (a second read of it is a RocksDB get per publication); {@code applied}, {@code decision}:
     * the coordinates the last update played on and their new entries, and {@code played} the
     * learner restored on them (null: none known).
     */
    BlockedParameters(ModelProgress p, LearnerConfig config, LearnerState saved, int[] applied, double[] decision,
        OnlineLearner played) {
      this.p = p;
      this.config = config;
      this.meta = saved != null ? saved : new LearnerState(config.algorithm(), 0);
      this.fresh = fresh(config);
      this.applied = applied;
      this.decision = decision;
      this.played = played;
    }

    /**
     * O(stored blocks): coordinates no update touched hold the fresh learner's decision, zero for
     * ftrl and most domains, so only the stored blocks are listed; otherwise the whole vector.
     */
    @Override
    public Entries all() throws Exception {
      double untouched = freshCoordinate().decision()[0];
      LearnerBlocks.Stored stored = blocks.stored(meta, fresh, p.dim);
      int[] indices = stored.coordinates();
      int n = indices.length;
      double[] values = Learners.restore(config, p.dim, stored.state()).decision();
      double squares = 0;
      for (double v : values) {
        squares += v * v;
      }
      if (untouched == 0 && 12L * n < 8L * p.dim) { // the non-zeros of the stored blocks (smaller than dense)
        p.squaredNorm = squares; // exact again at each snapshot (updates keep it by differences)
        int nonZeros = 0;
        for (int j = 0; j < n; j++) {
          if (values[j] != 0) {
            indices[nonZeros] = indices[j];
            values[nonZeros++] = values[j];
          }
        }
        return new Entries(java.util.Arrays.copyOf(indices, nonZeros), java.util.Arrays.copyOf(values, nonZeros), n);
      }
      double[] x = new double[p.dim];
      java.util.Arrays.fill(x, untouched);
      for (int j = 0; j < n; j++) {
        x[indices[j]] = values[j];
      }
      p.squaredNorm = squares + untouched * untouched * (p.dim - n);
      return new Entries(null, x, p.dim);
    }

    @Override
    public double[] at(int[] coordinates) throws Exception {
      if (java.util.Arrays.equals(coordinates, applied)) { // a publication per update: the update's own entries
        return decision.clone();
      }
      return Learners.restore(config, p.dim, blocks.gather(meta, fresh, p.dim, coordinates)).decision();
    }

    @Override
    public double squaredNorm() {
      return p.squaredNorm;
    }

    /** The learner the update played, else one on a fresh coordinate (building one per publication was 2.5 % of the thread). */
    @Override
    public OnlineLearner learner() {
      return played != null ? played : freshCoordinate();
    }

    /** A learner on one fresh coordinate: the model's rounds and scalars, and the decision of every untouched coordinate. */
    private OnlineLearner freshCoordinate() {
      LearnerState one = LearnerBlocks.roundsAndScalars(meta);
      one.arrays.putAll(fresh.arrays);
      return Learners.restore(config, p.dim, one);
    }
  }

  /**
   * Publishes the parameters; a failure here is not the record's (it is applied already), so it is
   * logged and counted as an internal error and the next update publishes again.
   */
  private void publish(ModelProgress p, Collector<ParameterUpdate> out, Parameters parameters, String model) {
    try {
      emit(p, out, parameters, model);
    } catch (Exception e) {
      metrics.internalError();
      LOG.error("publishing the parameters of model {} failed", model, e);
    }
  }

  private void emit(ModelProgress p, Collector<ParameterUpdate> out, Parameters parameters, String model) throws Exception {
    LearnerSettings.Publication policy = settings.publication();
    // a delta while the deltas since the last snapshot add up to less than that snapshot cost (at
    // least min(d, 1024) entries): a reader starting at a snapshot reads at most about twice one
    long budget = Math.max(p.snapshotEntries, Math.min(p.dim, LearnerSettings.Publication.MIN_DELTA_BUDGET));
    boolean delta = p.changed != null && p.lastEmittedVersion > 0 && p.lastSnapshotVersion > 0
        && p.updates - p.lastSnapshotVersion < policy.snapshotEvery()
        && p.deltaEntries + p.changed.length < budget;
    double[] deltaValues = delta ? parameters.at(p.changed) : null;
    Entries snapshot = delta ? null : parameters.all();
    OnlineLearner learner = parameters.learner();
    double[] f = new double[FIGURES.length]; // by position in FIGURES: no map to build per record
    f[0] = p.updates;
    f[1] = learner.stepSize();
    f[2] = learner.gradientVariation();
    f[3] = Math.sqrt(Math.max(0, parameters.squaredNorm()));
    f[4] = p.missingSteps;
    f[5] = p.rejected;
    f[6] = p.lossCount > 0 ? p.lastLoss : Double.NaN;
    f[7] = p.lossCount > 0 ? p.cumulativeLoss : Double.NaN;
    f[8] = p.lossCount > 0 ? p.cumulativeLoss / p.lossCount : Double.NaN;
    f[9] = p.regretCount > 0 ? p.regret : Double.NaN;
    // the figures published are a prefix of FIGURES: regret is counted only where a loss is
    int published = p.regretCount > 0 ? FIGURES.length : p.lossCount > 0 ? FIGURES.length - 1 : ALWAYS_PUBLISHED;
    Map<String, Double> m = new FigureMap(FIGURES, java.util.Arrays.copyOf(f, published));
    metrics.keyGauges("model", model, FIGURES, f);
    for (int i = 0; i < aggregated.length; i++) {
      aggregated[i].add(f[AGGREGATED[i]]);
    }
    var header = new ParameterChunks.Header(model, p.runEpoch, p.updates, p.lastStep, p.lastEventTime, m);
    List<ParameterUpdate> records;
    if (delta) {
      records = ParameterChunks.delta(header, p.lastEmittedVersion, p.dim, p.changed, deltaValues, policy.chunkBytes());
    } else if (snapshot.indices() == null) {
      records = ParameterChunks.snapshot(header, snapshot.values(), policy.chunkBytes());
    } else {
      records = ParameterChunks.sparseSnapshot(header, p.dim, snapshot.indices(), snapshot.values(), policy.chunkBytes());
    }
    for (ParameterUpdate r : records) {
      out.collect(r);
    }
    metrics.outputOf("model", model);
    if (delta) {
      p.deltaEntries += p.changed.length;
    } else {
      p.lastSnapshotVersion = p.updates;
      p.deltaEntries = 0;
      // what the snapshot cost, in entries written or coordinates computed: deltas may add up to as much
      long written = 0;
      for (ParameterUpdate r : records) {
        written += PackedVectors.size(r.getValues());
      }
      p.snapshotEntries = Math.max(snapshot.work(), written);
    }
    p.changed = p.blocked || learner.updatesOnlyGradientCoordinates() ? new int[0] : null;
    p.lastEmittedVersion = p.updates;
  }

  /**
   * {@code changed} and the gradient's coordinates, merged (both strictly increasing); null (a
   * snapshot next) for a dense gradient or when more than ⅔ of the coordinates changed, where a
   * snapshot is smaller than a delta.
   */
  static int[] withChanged(int[] changed, int[] gradient, int dim) {
    if (changed == null || gradient == null) {
      return null;
    }
    int[] merged = new int[changed.length + gradient.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < changed.length || j < gradient.length) {
      int next = j == gradient.length || i < changed.length && changed[i] <= gradient[j] ? changed[i] : gradient[j];
      if (i < changed.length && changed[i] == next) {
        i++;
      }
      if (j < gradient.length && gradient[j] == next) {
        j++;
      }
      merged[n++] = next;
    }
    return 3L * n > 2L * dim ? null : java.util.Arrays.copyOf(merged, n);
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

  private void reject(Decoded<T> in, Context ctx, String reason, boolean late) {
    if (late) {
      metrics.lateAndDeadLettered();
    } else {
      metrics.deadLettered();
    }
    ctx.output(DeadLetters.TAG, DeadLetters.of(in, codec, DeadLetters.APPLY, reason, job));
  }
}
