package io.convexstream.schemas.publication;

import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parameters topic back into whole parameter vectors: feed it each model's records in
 * topic order (one partition's order) and it returns a model's parameters whenever a publication
 * completes. Snapshots replace the vector, deltas change it only on top of exactly their base
 * version (until a snapshot arrives, deltas without their base are counted and skipped), chunks
 * are gathered until the last one, and duplicates and older versions (by run epoch, then
 * version) are ignored. Records of schema versions 1 and 2 (boxed {@code parameters}) read as
 * one-chunk snapshots. Not thread-safe.
 */
public final class ParameterAssembler {
  /**
   * A model's parameters at one complete version. {@code parameters} is the assembler's own array,
   * changed in place by later deltas of the model: copy it to keep this version.
   */
  public record Model(String modelId, long runEpoch, long version, long step, Instant eventTime, double[] parameters,
      Map<String, Double> metrics) {}

  private final Map<String, Model> models = new HashMap<>();
  private final Map<String, List<ParameterUpdate>> pending = new HashMap<>();
  private long skipped;

  /** Takes the next record of its model; returns the model's parameters when this record completes a publication, else null. */
  public Model accept(ParameterUpdate u) {
    String id = u.getModelId();
    Model current = models.get(id);
    if (current != null && !newer(u, current)) {
      return null; // a duplicate or an older version
    }
    if (PackedVectors.of(u) == null) {
      return skip();
    }
    List<ParameterUpdate> chunks = pending.get(id);
    if (u.getChunk() == 0) {
      chunks = new ArrayList<>();
      pending.put(id, chunks);
    } else if (chunks == null || !samePublication(chunks.get(0), u) || chunks.size() != u.getChunk()) {
      return skip(); // a chunk whose predecessors were not read (the reader started in a publication)
    }
    chunks.add(u);
    if (u.getChunk() < u.getChunks() - 1) {
      return null;
    }
    pending.remove(id);
    int dim = PackedVectors.of(u).getDim();
    double[] x;
    if (u.getBaseVersion() == 0) {
      x = new double[dim];
    } else if (current != null && current.runEpoch() == u.getRunEpoch() && current.version() == u.getBaseVersion()
        && current.parameters().length == dim) {
      x = current.parameters();
    } else {
      skipped += chunks.size();
      return null; // a delta without its base: wait for the next snapshot
    }
    for (ParameterUpdate c : chunks) {
      PackedVectors.forEach(PackedVectors.of(c), (i, v) -> x[i] = v);
    }
    return complete(u, x);
  }

  /**
   * Every complete version of every model in {@code records} (in topic order), each with its own
   * copy of the parameters, oldest first: for readers of small models that look at a whole run.
   */
  public static Map<String, List<Model>> everyVersion(Iterable<ParameterUpdate> records) {
    ParameterAssembler a = new ParameterAssembler();
    Map<String, List<Model>> out = new java.util.TreeMap<>();
    for (ParameterUpdate r : records) {
      Model m = a.accept(r);
      if (m != null) {
        out.computeIfAbsent(m.modelId(), k -> new ArrayList<>()).add(new Model(m.modelId(), m.runEpoch(), m.version(), m.step(),
            m.eventTime(), m.parameters().clone(), m.metrics()));
      }
    }
    return out;
  }

  /** The latest complete parameters of a model, or null. */
  public Model latest(String modelId) {
    return models.get(modelId);
  }

  /** Every model's latest complete parameters. */
  public Map<String, Model> latest() {
    return Map.copyOf(models);
  }

  /** Records skipped: deltas without their base version, and chunks without the ones before them. */
  public long skipped() {
    return skipped;
  }

  private Model skip() {
    skipped++;
    return null;
  }

  private static boolean newer(ParameterUpdate u, Model m) {
    return u.getRunEpoch() > m.runEpoch() || u.getRunEpoch() == m.runEpoch() && u.getVersion() > m.version();
  }

  private static boolean samePublication(ParameterUpdate a, ParameterUpdate b) {
    return a.getRunEpoch() == b.getRunEpoch() && a.getVersion() == b.getVersion() && a.getChunks() == b.getChunks();
  }

  private Model complete(ParameterUpdate last, double[] x) {
    Model m = new Model(last.getModelId(), last.getRunEpoch(), last.getVersion(), last.getStep(), last.getEventTime(), x,
        Map.copyOf(last.getMetrics()));
    models.put(m.modelId(), m);
    return m;
  }
}
