package io.convexstream.flink.omd;

import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.PackedVectors;
import io.convexstream.schemas.publication.ParameterChunks;
import java.util.Arrays;
import java.util.List;

/**
 * The publication policy of the learner operator, apart from Flink: what one publication of a
 * model's parameters holds (a delta of the coordinates changed since the last one, or a snapshot),
 * its figures, and the bookkeeping in {@link ModelProgress} the next publication decides by.
 */
final class ParameterPublisher {
  private final LearnerSettings.Publication policy;

  ParameterPublisher(LearnerSettings.Publication policy) {
    this.policy = policy;
  }

  /** One publication: its records, and every figure by {@link ModelFigure} ordinal (those not published are NaN). */
  record Publication(List<ParameterUpdate> records, double[] figures) {}

  /**
   * Publishes {@code model}'s parameters at its current version, and records that it did in {@code p};
   * {@code extraNames} (null: none) and their values follow the model's figures in the metrics.
   */
  Publication publish(ModelProgress p, ModelParameters parameters, String model, String[] extraNames, double[] extraFigures)
      throws Exception {
    // a delta while the deltas since the last snapshot add up to less than that snapshot cost (at
    // least min(d, 1024) entries): a reader starting at a snapshot reads at most about twice one
    long budget = Math.max(p.snapshotEntries, Math.min(p.dim, LearnerSettings.Publication.MIN_DELTA_BUDGET));
    boolean delta = p.changed != null && p.lastEmittedVersion > 0 && p.lastSnapshotVersion > 0
        && p.updates - p.lastSnapshotVersion < policy.snapshotEvery()
        && p.deltaEntries + p.changed.length < budget;
    double[] deltaValues = delta ? parameters.at(p.changed) : null;
    ModelParameters.Entries snapshot = delta ? null : parameters.all();
    OnlineLearner learner = parameters.learner();
    double[] f = figures(p, learner, parameters.squaredNorm());
    int published = ModelFigure.published(p.lossCount > 0, p.regretCount > 0);
    var header = new ParameterChunks.Header(model, p.runEpoch, p.updates, p.lastStep, p.lastEventTime,
        extraNames == null ? new FigureMap(ModelFigure.NAMES, Arrays.copyOf(f, published)) : withExtra(published, f, extraNames, extraFigures));
    List<ParameterUpdate> records;
    if (delta) {
      records = ParameterChunks.delta(header, p.lastEmittedVersion, p.dim, p.changed, deltaValues, policy.chunkBytes());
      p.deltaEntries += p.changed.length;
    } else {
      records = snapshot.indices() == null ? ParameterChunks.snapshot(header, snapshot.values(), policy.chunkBytes())
          : ParameterChunks.sparseSnapshot(header, p.dim, snapshot.indices(), snapshot.values(), policy.chunkBytes());
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
    return new Publication(records, f);
  }

  /** The published figures, then the extra ones that are defined (a NaN one is left out). */
  private static FigureMap withExtra(int published, double[] f, String[] extraNames, double[] extraFigures) {
    String[] names = Arrays.copyOf(ModelFigure.NAMES, published + extraNames.length);
    double[] values = Arrays.copyOf(f, published + extraNames.length);
    int n = published;
    for (int i = 0; i < extraNames.length; i++) {
      if (!Double.isNaN(extraFigures[i])) {
        names[n] = extraNames[i];
        values[n++] = extraFigures[i];
      }
    }
    return new FigureMap(Arrays.copyOf(names, n), Arrays.copyOf(values, n));
  }

  /** The model's figures by {@link ModelFigure} ordinal: an array, no map built per record. */
  private static double[] figures(ModelProgress p, OnlineLearner learner, double squaredNorm) {
    double[] f = new double[ModelFigure.values().length];
    f[ModelFigure.UPDATES.ordinal()] = p.updates;
    f[ModelFigure.STEP_SIZE.ordinal()] = learner.stepSize();
    f[ModelFigure.GRADIENT_VARIATION.ordinal()] = learner.gradientVariation();
    f[ModelFigure.PARAMETER_NORM.ordinal()] = Math.sqrt(Math.max(0, squaredNorm));
    f[ModelFigure.MISSING_STEPS.ordinal()] = p.missingSteps;
    f[ModelFigure.REJECTED.ordinal()] = p.rejected;
    f[ModelFigure.LOSS.ordinal()] = p.lossCount > 0 ? p.lastLoss : Double.NaN;
    f[ModelFigure.CUMULATIVE_LOSS.ordinal()] = p.lossCount > 0 ? p.cumulativeLoss : Double.NaN;
    f[ModelFigure.MEAN_LOSS.ordinal()] = p.lossCount > 0 ? p.cumulativeLoss / p.lossCount : Double.NaN;
    f[ModelFigure.REGRET.ordinal()] = p.regretCount > 0 ? p.regret : Double.NaN;
    return f;
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
    return 3L * n > 2L * dim ? null : Arrays.copyOf(merged, n);
  }
}
