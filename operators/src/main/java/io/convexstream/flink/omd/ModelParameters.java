package io.convexstream.flink.omd;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.Vectors;
import java.util.Arrays;

/** What a publication needs of a model's parameters, whichever way they are kept. */
interface ModelParameters {
  /**
   * A snapshot's entries: {@code values} at {@code indices} (zero elsewhere), or all of them
   * ({@code indices} null); {@code work}: the coordinates computed to find them.
   */
  record Entries(int[] indices, double[] values, long work) {}

  /** The whole vector, for a snapshot. */
  Entries all() throws Exception;

  /** The entries at {@code coordinates} (strictly increasing), in order. */
  double[] at(int[] coordinates) throws Exception;

  double squaredNorm() throws Exception;

  /** A learner with the model's rounds and scalars: its step size and other figures, whatever its arrays. */
  OnlineLearner learner();

  /** A learner that holds its whole vector. */
  record Whole(OnlineLearner learner) implements ModelParameters {
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

  /** A model kept in blocks ({@link LearnerBlocks}): its entries are computed from the blocks they live in. */
  final class Blocked implements ModelParameters {
    private final ModelProgress p;
    private final LearnerConfig config;
    private final LearnerBlocks blocks;
    private final LearnerState meta;
    private final LearnerState fresh;
    private final int[] applied;
    private final double[] decision;
    private final OnlineLearner played;

    /**
     * {@code saved}: the model's stored learner state (rounds and scalars), as the caller has it at
     * hand (a second read of it is a RocksDB get per publication); {@code fresh}: one fresh
     * coordinate's state; {@code applied}, {@code decision}: the coordinates the last update played
     * on and their new entries, and {@code played} the learner restored on them (null: none known).
     */
    Blocked(ModelProgress p, LearnerConfig config, LearnerBlocks blocks, LearnerState saved, LearnerState fresh, int[] applied,
        double[] decision, OnlineLearner played) {
      this.p = p;
      this.config = config;
      this.blocks = blocks;
      this.meta = saved != null ? saved : new LearnerState(config.algorithm(), 0);
      this.fresh = fresh;
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
        return new Entries(Arrays.copyOf(indices, nonZeros), Arrays.copyOf(values, nonZeros), n);
      }
      double[] x = new double[p.dim];
      Arrays.fill(x, untouched);
      for (int j = 0; j < n; j++) {
        x[indices[j]] = values[j];
      }
      p.squaredNorm = squares + untouched * untouched * (p.dim - n);
      return new Entries(null, x, p.dim);
    }

    @Override
    public double[] at(int[] coordinates) throws Exception {
      if (Arrays.equals(coordinates, applied)) { // a publication per update: the update's own entries
        return decision.clone();
      }
      return Learners.restore(config, p.dim, blocks.gather(meta, fresh, p.dim, coordinates)).decision();
    }

    @Override
    public double squaredNorm() {
      return p.squaredNorm;
    }

    /** The learner the update played (no second one built per publication), else one on a fresh coordinate. */
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
}
