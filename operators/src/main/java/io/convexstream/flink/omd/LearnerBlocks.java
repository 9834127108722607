package io.convexstream.flink.omd;

import io.convexstream.core.learn.LearnerState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * The arrays of a coordinate-separable learner ({@link
 * io.convexstream.core.learn.OnlineLearner#updatesOnlyGradientCoordinates()}) kept in blocks of
 * {@value #BLOCK} coordinates in a {@link MapState}, so that a sparse update reads and writes only
 * the blocks it touches (on RocksDB, each block is one entry) instead of the whole model. A block
 * holds, for each of the learner's arrays in name order, the block's coordinates; blocks never
 * written hold the fresh learner's values. One instance serves one key's record at a time: blocks
 * read are cached until {@link #clear()}.
 */
final class LearnerBlocks {
  /**
   * Coordinates per block: 512 bytes per array. Small, because a model keeps every block any update
   * touched (20 000 models touched at 8 coordinates each hold 160 k blocks), and still large beside
   * RocksDB's per-entry costs.
   */
  static final int BLOCK = 64;

  private final MapState<Integer, double[]> state;
  private final Map<Integer, double[]> cache = new HashMap<>();
  private LearnerState namesOf; // the fresh state whose array names {@link #names} lists
  private String[] names;

  LearnerBlocks(MapState<Integer, double[]> state) {
    this.state = state;
  }

  /** Forgets the cached blocks (call before the next key). */
  void clear() {
    cache.clear();
  }

  /**
   * The learner's state on {@code coordinates} only (strictly increasing): {@code meta}'s rounds and
   * scalars with, for each array of {@code fresh}, the entries of those coordinates in order.
   */
  LearnerState gather(LearnerState meta, LearnerState fresh, int dim, int[] coordinates) throws Exception {
    String[] names = namesOf(fresh);
    LearnerState s = new LearnerState(meta.algorithm, meta.rounds);
    s.scalars.putAll(meta.scalars);
    double[][] arrays = new double[names.length][coordinates.length];
    double[] block = null;
    int b = -1;
    for (int k = 0; k < coordinates.length; k++) {
      int i = coordinates[k];
      if (i / BLOCK != b) { // coordinates increase, so each block is looked up once
        b = i / BLOCK;
        block = block(b, dim, names, fresh);
      }
      int length = length(b, dim);
      for (int a = 0; a < names.length; a++) {
        arrays[a][k] = block[a * length + i % BLOCK];
      }
    }
    for (int a = 0; a < names.length; a++) {
      s.arrays.put(names[a], arrays[a]);
    }
    return s;
  }

  /**
   * Writes a learner state on {@code coordinates} (from {@link #gather} and an update) back into its
   * blocks. The gathered blocks are changed in place: on the heap backend a block read after a
   * snapshot began is already a copy (copy-on-write hands out copies of the key's map), and on
   * RocksDB every read is a copy.
   */
  void scatter(LearnerState compact, LearnerState fresh, int dim, int[] coordinates) throws Exception {
    String[] names = namesOf(fresh);
    double[][] arrays = new double[names.length][];
    for (int a = 0; a < names.length; a++) {
      arrays[a] = compact.arrays.get(names[a]);
    }
    double[] block = null;
    int b = -1;
    for (int k = 0; k < coordinates.length; k++) {
      int i = coordinates[k];
      if (i / BLOCK != b) {
        if (block != null) {
          state.put(b, block);
        }
        b = i / BLOCK;
        block = cache.get(b); // gathered before, so cached
      }
      int length = length(b, dim);
      for (int a = 0; a < names.length; a++) {
        block[a * length + i % BLOCK] = arrays[a][k];
      }
    }
    if (block != null) {
      state.put(b, block);
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

  /** The blocks this key has stored (every other block holds fresh values). */
  Iterable<Integer> stored() throws Exception {
    Iterable<Integer> keys = state.keys();
    return keys == null ? java.util.List.of() : keys;
  }

  /** The coordinates of block {@code b}. */
  static int[] coordinatesOf(int b, int dim) {
    int[] c = new int[length(b, dim)];
    for (int k = 0; k < c.length; k++) {
      c[k] = b * BLOCK + k;
    }
    return c;
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

  private double[] block(int b, int dim, String[] names, LearnerState fresh) throws Exception {
    double[] block = cache.get(b);
    if (block == null) {
      block = state.get(b);
      if (block == null) {
        int length = length(b, dim);
        block = new double[names.length * length];
        for (int a = 0; a < names.length; a++) {
          java.util.Arrays.fill(block, a * length, (a + 1) * length, fresh.arrays.get(names[a])[0]);
        }
      }
      cache.put(b, block);
    }
    return block;
  }
}
