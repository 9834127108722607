package io.convexstream.flink.omd;

import io.convexstream.core.learn.LearnerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * The arrays of a coordinate-separable learner ({@link
 * io.convexstream.core.learn.OnlineLearner#updatesOnlyGradientCoordinates()}) kept in blocks of
 * {@value #BLOCK} coordinates in a {@link MapState}, so that a sparse update reads and writes only
 * the blocks it touches (on RocksDB, each block is one entry) instead of the whole model. A block
 * holds, for each of the learner's arrays in name order, the block's coordinates; blocks never
 * written hold the fresh learner's values. Each touched block is read once and written once per
 * update (with 32 coordinates in 32 blocks, the map lookups were most of the record's cost).
 */
final class LearnerBlocks {
  /**
   * Coordinates per block: 512 bytes per array. Small, because a model keeps every block any update
   * touched (20 000 models touched at 8 coordinates each hold 160 k blocks), and still large beside
   * RocksDB's per-entry costs.
   */
  static final int BLOCK = 64;

  private final MapState<Integer, double[]> state;
  private LearnerState namesOf; // the fresh state whose array names {@link #names} lists
  private String[] names;
  /** The blocks the last {@link #gather} read, in its coordinates' order (one per distinct block), for {@link #scatter}. */
  private double[][] gathered = new double[0][];

  LearnerBlocks(MapState<Integer, double[]> state) {
    this.state = state;
  }

  /** Drops every block of the current key. */
  void clear() {
    state.clear();
  }

  /**
   * The learner's state on {@code coordinates} only (strictly increasing): {@code meta}'s rounds and
   * scalars with, for each array of {@code fresh}, the entries of those coordinates in order.
   */
  LearnerState gather(LearnerState meta, LearnerState fresh, int dim, int[] coordinates) throws Exception {
    String[] names = namesOf(fresh);
    double[][] arrays = new double[names.length][coordinates.length];
    double[][] blocks = new double[coordinates.length][];
    int n = 0;
    double[] block = null;
    int b = -1;
    for (int k = 0; k < coordinates.length; k++) {
      int i = coordinates[k];
      if (i / BLOCK != b) { // coordinates increase, so each block is read once
        b = i / BLOCK;
        block = block(b, dim, names, fresh);
        blocks[n++] = block;
      }
      int length = length(b, dim);
      for (int a = 0; a < names.length; a++) {
        arrays[a][k] = block[a * length + i % BLOCK];
      }
    }
    gathered = blocks;
    return withArrays(meta, names, arrays);
  }

  /**
   * Writes a learner state on {@code coordinates} (those of the last {@link #gather}, after an
   * update) back into its blocks. The gathered blocks are changed in place and written: on the heap
   * backend a block read after a snapshot began is already a copy (copy-on-write hands out a copy of
   * the key's map), and on RocksDB every read is a copy.
   */
  void scatter(LearnerState compact, LearnerState fresh, int dim, int[] coordinates) throws Exception {
    String[] names = namesOf(fresh);
    double[][] arrays = new double[names.length][];
    for (int a = 0; a < names.length; a++) {
      arrays[a] = compact.arrays.get(names[a]);
    }
    int n = -1;
    int b = -1;
    for (int k = 0; k < coordinates.length; k++) {
      int i = coordinates[k];
      if (i / BLOCK != b) {
        if (n >= 0) {
          state.put(b, gathered[n]);
        }
        b = i / BLOCK;
        n++;
      }
      int length = length(b, dim);
      for (int a = 0; a < names.length; a++) {
        gathered[n][a * length + i % BLOCK] = arrays[a][k];
      }
    }
    if (n >= 0) {
      state.put(b, gathered[n]);
    }
  }

  /** The learner's array names in order (a block holds its arrays in this order). */
  private String[] namesOf(LearnerState fresh) {
    if (fresh != namesOf) {
      names = fresh.arrays.keySet().stream().sorted().toArray(String[]::new);
      namesOf = fresh;
    }
    return names;
  }

  /** The coordinates of every stored block, in increasing order, and the learner's state on them. */
  record Stored(int[] coordinates, LearnerState state) {}

  /**
   * The learner's state on every coordinate of the blocks this key has stored (every other block
   * holds fresh values), read in one pass over the map: a snapshot of a model with thousands of
   * blocks looked each one up again, a fifth of the learner's thread with sparse ftrl at d = 10⁷.
   */
  Stored stored(LearnerState meta, LearnerState fresh, int dim) throws Exception {
    String[] names = namesOf(fresh);
    List<Map.Entry<Integer, double[]>> entries = new ArrayList<>();
    Iterable<Map.Entry<Integer, double[]>> all = state.entries();
    if (all != null) {
      all.forEach(entries::add);
    }
    entries.sort(Map.Entry.comparingByKey());
    int n = 0;
    for (Map.Entry<Integer, double[]> e : entries) {
      n += length(e.getKey(), dim);
    }
    int[] coordinates = new int[n];
    double[][] arrays = new double[names.length][n];
    int at = 0;
    for (Map.Entry<Integer, double[]> e : entries) {
      int b = e.getKey();
      int length = length(b, dim);
      for (int k = 0; k < length; k++) {
        coordinates[at + k] = b * BLOCK + k;
      }
      for (int a = 0; a < names.length; a++) {
        System.arraycopy(e.getValue(), a * length, arrays[a], at, length);
      }
      at += length;
    }
    return new Stored(coordinates, withArrays(meta, names, arrays));
  }

  /** {@code meta}'s algorithm, rounds and scalars, without its arrays. */
  static LearnerState roundsAndScalars(LearnerState meta) {
    LearnerState s = new LearnerState(meta.algorithm, meta.rounds);
    s.scalars.putAll(meta.scalars);
    return s;
  }

  /** {@code meta}'s rounds and scalars with array {@code names[a]} = {@code arrays[a]}. */
  private static LearnerState withArrays(LearnerState meta, String[] names, double[][] arrays) {
    LearnerState s = roundsAndScalars(meta);
    for (int a = 0; a < names.length; a++) {
      s.arrays.put(names[a], arrays[a]);
    }
    return s;
  }

  /** Every coordinate 0..dim−1 (for a dense gradient). */
  static int[] all(int dim) {
    int[] c = new int[dim];
    for (int i = 0; i < dim; i++) {
      c[i] = i;
    }
    return c;
  }

  private static int length(int block, int dim) {
    return Math.min(BLOCK, dim - block * BLOCK);
  }

  /** Block {@code b} as stored, or a fresh one (the fresh learner's values). */
  private double[] block(int b, int dim, String[] names, LearnerState fresh) throws Exception {
    double[] block = state.get(b);
    if (block == null) {
      int length = length(b, dim);
      block = new double[names.length * length];
      for (int a = 0; a < names.length; a++) {
        java.util.Arrays.fill(block, a * length, (a + 1) * length, fresh.arrays.get(names[a])[0]);
      }
    }
    return block;
  }
}
