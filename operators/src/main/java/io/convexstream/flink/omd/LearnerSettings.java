package io.convexstream.flink.omd;

import io.convexstream.core.learn.LearnerConfig;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * How the learner operator treats its stream.
 *
 * @param learner algorithm and hyper-parameters of every model without an override
 * @param overrides per model-id prefix, another learner (the longest matching prefix wins)
 * @param emitEvery publish parameters after every k-th update (1: every update)
 * @param emitIntervalMillis also publish pending parameters after this long without a publication (0: off)
 * @param maxBufferedSteps out-of-order steps held per model while waiting for a missing one
 * @param gapTimeoutMillis how long a missing step is waited for before it is skipped
 * @param autoCreate whether an unknown model id starts a new learner (else it is dead-lettered)
 * @param knownModels model ids accepted when autoCreate is off
 * @param publication how parameters are published (snapshots, deltas, chunk size)
 */
public record LearnerSettings(
    LearnerConfig learner,
    Map<String, LearnerConfig> overrides,
    int emitEvery,
    long emitIntervalMillis,
    int maxBufferedSteps,
    long gapTimeoutMillis,
    boolean autoCreate,
    Set<String> knownModels,
    Publication publication) implements Serializable {

  /**
   * How a model's parameters are published (docs/ARCHITECTURE.md, "Parameter publication").
   *
   * @param chunkBytes at most this many bytes of values per output record; larger publications are cut into chunks
   * @param snapshotEvery a full snapshot at least every this many updates, so a reader that starts
   *     late, or after retention removed the earlier records, waits at most that long (between such
   *     snapshots, one follows whenever the deltas since the last add up to its size)
   * @param emitEveryByPrefix per model-id prefix, another emitEvery (the longest matching prefix wins)
   */
  public record Publication(int chunkBytes, long snapshotEvery, Map<String, Integer> emitEveryByPrefix) implements Serializable {
    /** 1 MiB: ten chunks carry a dense d = 10⁶ model, far below the topics' 8 MiB message limit. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    /** A reader that starts late waits at most this many updates; the serving view answers at once. */
    public static final long DEFAULT_SNAPSHOT_EVERY = 10_000;
    /** Deltas may add up to this many entries (or the dimension, if smaller) even after a snapshot of fewer. */
    public static final int MIN_DELTA_BUDGET = 1024;
    public static final Publication DEFAULT = new Publication(DEFAULT_CHUNK_BYTES, DEFAULT_SNAPSHOT_EVERY);

    public Publication {
      if (chunkBytes < 12 || snapshotEvery < 1 || emitEveryByPrefix.values().stream().anyMatch(k -> k < 1)) {
        throw new IllegalArgumentException("publication needs chunkBytes ≥ 12, snapshotEvery ≥ 1 and emitEvery ≥ 1");
      }
      emitEveryByPrefix = Map.copyOf(emitEveryByPrefix);
    }

    public Publication(int chunkBytes, long snapshotEvery) {
      this(chunkBytes, snapshotEvery, Map.of());
    }
  }

  public LearnerSettings(LearnerConfig learner, Map<String, LearnerConfig> overrides, int emitEvery, long emitIntervalMillis,
      int maxBufferedSteps, long gapTimeoutMillis, boolean autoCreate, Set<String> knownModels) {
    this(learner, overrides, emitEvery, emitIntervalMillis, maxBufferedSteps, gapTimeoutMillis, autoCreate, knownModels,
        Publication.DEFAULT);
  }

  public LearnerSettings {
    if (emitEvery < 1 || maxBufferedSteps < 0 || gapTimeoutMillis < 0 || emitIntervalMillis < 0) {
      throw new IllegalArgumentException("emitEvery ≥ 1; buffer, timeouts ≥ 0");
    }
    knownModels = Set.copyOf(knownModels);
    overrides = Map.copyOf(overrides);
  }

  public static LearnerSettings defaults(LearnerConfig learner) {
    return new LearnerSettings(learner, Map.of(), 1, 0, 1000, 10_000, true, Set.of());
  }

  /** Whether some model's learner may keep its matrices in ND4J (backend nd4j or auto). */
  public boolean mayUseNd4j() {
    return Stream.concat(Stream.of(learner), overrides.values().stream()).anyMatch(c -> !c.backend().equals("java"));
  }

  /** These settings with every learner on backend {@code from} moved to {@code to}. */
  public LearnerSettings replaceBackend(String from, String to) {
    UnaryOperator<LearnerConfig> move = c -> c.backend().equals(from) ? c.with("backend", to) : c;
    Map<String, LearnerConfig> o = new HashMap<>();
    overrides.forEach((prefix, c) -> o.put(prefix, move.apply(c)));
    return new LearnerSettings(move.apply(learner), o, emitEvery, emitIntervalMillis,
        maxBufferedSteps, gapTimeoutMillis, autoCreate, knownModels, publication);
  }

  /** The learner configuration of one model. */
  public LearnerConfig learnerFor(String modelId) {
    return longestPrefix(overrides, modelId, learner);
  }

  /** After how many updates one model publishes its parameters. */
  public int emitEveryFor(String modelId) {
    return longestPrefix(publication.emitEveryByPrefix(), modelId, emitEvery);
  }

  /** The value of the longest prefix of {@code modelId} in {@code byPrefix}, else {@code otherwise}. */
  public static <V> V longestPrefix(Map<String, V> byPrefix, String modelId, V otherwise) {
    V best = otherwise;
    int bestLength = -1;
    for (Map.Entry<String, V> e : byPrefix.entrySet()) {
      if (modelId.startsWith(e.getKey()) && e.getKey().length() > bestLength) {
        best = e.getValue();
        bestLength = e.getKey().length();
      }
    }
    return best;
  }
}
