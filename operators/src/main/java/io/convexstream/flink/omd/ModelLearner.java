package io.convexstream.flink.omd;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.schemas.ParameterUpdate;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One learner of the current key in Flink keyed state, as every operator that learns keeps it: the
 * learner's rounds and scalars ({@link LearnerState}), its bookkeeping ({@link ModelProgress}) and,
 * for coordinate-separable learners, its arrays in blocks ({@link LearnerBlocks}). It plays rounds,
 * scores with the current parameters and publishes them; the host decides which records to play.
 */
public final class ModelLearner {
  private static final Logger LOG = LoggerFactory.getLogger(ModelLearner.class);

  private final ValueState<LearnerState> learnerState;
  private final ValueState<ModelProgress> progressState;
  private final LearnerBlocks blocks;
  /** {@link Learners#freshCoordinate} per configuration (read-only). */
  private final Map<LearnerConfig, LearnerState> freshCoordinates = new HashMap<>();
  private final ParameterPublisher publisher;
  private final OperatorMetrics metrics;
  /** Gauges over all models, by {@link ModelFigure} ordinal (null: not aggregated). */
  private final OperatorMetrics.Aggregate[] aggregated;
  /** What the last {@link #play} left for {@link #publishPlayed}. */
  private int[] playedCoordinates;
  private OnlineLearner playedLearner;
  private LearnerState playedState;

  /** States "learner", "progress" and "learner-blocks", each followed by {@code suffix} (the learner operator's have none). */
  public ModelLearner(RuntimeContext state, String suffix, LearnerSettings.Publication policy, OperatorMetrics metrics) {
    learnerState = state.getState(new ValueStateDescriptor<>("learner" + suffix, LearnerState.class));
    progressState = state.getState(new ValueStateDescriptor<>("progress" + suffix, ModelProgress.class));
    blocks = new LearnerBlocks(state.getMapState(
        new MapStateDescriptor<>("learner-blocks" + suffix, Types.INT, TypeInformation.of(double[].class))));
    publisher = new ParameterPublisher(policy);
    this.metrics = metrics;
    aggregated = new OperatorMetrics.Aggregate[ModelFigure.values().length];
    for (ModelFigure f : ModelFigure.values()) {
      aggregated[f.ordinal()] = f.aggregated ? metrics.aggregateOf(f.figure) : null;
    }
  }

  /** The key's bookkeeping, null before its first record. */
  public ModelProgress progress() throws Exception {
    return progressState.value();
  }

  public void update(ModelProgress p) throws Exception {
    progressState.update(p);
  }

  /** A new model's bookkeeping: a separable learner keeps its arrays in blocks, so sparse updates touch only their blocks. */
  public static ModelProgress create(LearnerConfig config, int dim, long runEpoch) {
    ModelProgress p = new ModelProgress();
    p.dim = dim;
    p.blocked = Learners.create(config, 1).updatesOnlyGradientCoordinates();
    p.runEpoch = runEpoch;
    return p;
  }

  /** Drops the key's learner. */
  public void clear() {
    progressState.clear();
    learnerState.clear();
    blocks.clear();
  }

  /**
   * Plays {@code record} as one round: test-then-train at the current parameters, then the update,
   * all or nothing. Unless refused, the state, {@code p.updates}, {@code p.changed} and ‖x‖² move on
   * ({@code p} is the caller's to store); refused, nothing changes.
   */
  public <T> LearnerRound play(ModelProgress p, LearnerConfig config, RoundReader<T> reader, T record) throws Exception {
    int[] coordinates = null; // blocked: the coordinates this record plays on (its learner holds only those)
    T round = record;
    if (p.blocked) {
      coordinates = reader.coordinates(record);
      if (coordinates == null) {
        coordinates = LearnerBlocks.all(p.dim);
      } else {
        round = reader.restricted(record);
      }
    }
    OnlineLearner learner = learner(p, config, coordinates);
    LearnerRound played = LearnerRound.play(learner, reader, round);
    if (played.refused() != null) {
      return played; // the model keeps its parameters: its state is not stored
    }
    LearnerState after = learner.exportState();
    if (p.blocked) {
      blocks.scatter(after, fresh(config), p.dim, coordinates);
      after.arrays.clear(); // the arrays live in the blocks; the value state keeps rounds and scalars
      double[] x = learner.decision();
      double[] before = played.played();
      for (int k = 0; k < x.length; k++) {
        p.squaredNorm += x[k] * x[k] - before[k] * before[k];
      }
      p.changed = ParameterPublisher.withChanged(p.changed, coordinates, p.dim);
    } else {
      p.changed = learner.updatesOnlyGradientCoordinates() ? ParameterPublisher.withChanged(p.changed, played.gradient().indices(), p.dim)
          : null;
    }
    learnerState.update(after);
    p.updates = learner.rounds();
    playedCoordinates = coordinates;
    playedLearner = learner;
    playedState = after;
    return played;
  }

  /**
   * The current parameters at {@code coordinates} (strictly increasing; null: all of them), what a
   * linear model scores with: read from the blocks they live in, or the whole learner's decision.
   */
  public double[] decisionAt(ModelProgress p, LearnerConfig config, int[] coordinates) throws Exception {
    if (p.blocked) {
      return learner(p, config, coordinates == null ? LearnerBlocks.all(p.dim) : coordinates).decision();
    }
    double[] x = learner(p, config, null).decision();
    if (coordinates == null) {
      return x;
    }
    double[] v = new double[coordinates.length];
    for (int k = 0; k < v.length; k++) {
      v[k] = x[coordinates[k]];
    }
    return v;
  }

  /**
   * The key's learner, restored on {@code coordinates} only (a blocked model; strictly increasing)
   * or whole (null).
   */
  private OnlineLearner learner(ModelProgress p, LearnerConfig config, int[] coordinates) throws Exception {
    // learner state is written with the first update applied: a model without one has none, and on
    // RocksDB looking up a key that is not there was half the learner's thread with 10⁶ new models
    LearnerState saved = p.updates == 0 ? null : learnerState.value();
    if (p.blocked) {
      LearnerState meta = saved != null ? saved : new LearnerState(config.algorithm(), 0);
      return Learners.restore(config, p.dim, blocks.gather(meta, fresh(config), p.dim, coordinates));
    }
    // attached: large state (oomd-ec's matrices) is updated in place instead of copied in and out;
    // safe because value() hands out a copy while a snapshot still needs the old object
    return saved == null ? Learners.create(config, p.dim) : Learners.attach(config, p.dim, saved);
  }

  /** Publishes the parameters right after {@link #play} (what it computed is reused). */
  public void publishPlayed(ModelProgress p, LearnerConfig config, String model, Collector<ParameterUpdate> out, String[] extraNames,
      double[] extraFigures) {
    ModelParameters parameters = p.blocked
        ? new ModelParameters.Blocked(p, config, blocks, playedState, fresh(config), playedCoordinates, playedLearner.decision(), playedLearner)
        : new ModelParameters.Whole(playedLearner);
    publish(p, parameters, model, out, extraNames, extraFigures);
  }

  /** Publishes the stored parameters (from a timer, or for a learner that did not just play). */
  public void publishStored(ModelProgress p, LearnerConfig config, String model, Collector<ParameterUpdate> out, String[] extraNames,
      double[] extraFigures) throws Exception {
    ModelParameters parameters = p.blocked
        ? new ModelParameters.Blocked(p, config, blocks, learnerState.value(), fresh(config), null, null, null)
        : new ModelParameters.Whole(learner(p, config, null));
    publish(p, parameters, model, out, extraNames, extraFigures);
  }

  /**
   * Publishes the parameters with the model's figures and {@code extraNames}' (null: none) after
   * them; a failure here is not a record's (it is applied already), so it is logged and counted as
   * an internal error and the next update publishes again.
   */
  private void publish(ModelProgress p, ModelParameters parameters, String model, Collector<ParameterUpdate> out, String[] extraNames,
      double[] extraFigures) {
    try {
      ParameterPublisher.Publication publication = publisher.publish(p, parameters, model, extraNames, extraFigures);
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

  private LearnerState fresh(LearnerConfig config) {
    return freshCoordinates.computeIfAbsent(config, Learners::freshCoordinate);
  }
}
