package io.convexstream.schemas.publication;

import io.convexstream.schemas.PackedVector;
import io.convexstream.schemas.ParameterUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes one publication of a model's parameters as {@link ParameterUpdate} chunks: a snapshot (the
 * whole vector; dense runs, or only the non-zeros when that is smaller) or a delta (the changed
 * coordinates), cut so that no chunk's entries take more than {@code chunkBytes}. The protocol is
 * described in docs/ARCHITECTURE.md; {@link ParameterAssembler} reads it back.
 */
public final class ParameterChunks {
  /** Bytes one dense entry takes (a double). */
  static final int DENSE_ENTRY = 8;
  /** Bytes one sparse entry takes (an int index and a double). */
  static final int SPARSE_ENTRY = 12;

  private ParameterChunks() {}

  /** What every chunk of a publication shares. */
  public record Header(String modelId, long runEpoch, long version, long step, long eventTimeMillis, Map<String, Double> metrics) {}

  /** A snapshot of {@code x}. */
  public static List<ParameterUpdate> snapshot(Header h, double[] x, int chunkBytes) {
    int nonZeros = 0;
    for (double v : x) {
      if (v != 0) {
        nonZeros++;
      }
    }
    List<PackedVector> parts = new ArrayList<>();
    if ((long) nonZeros * SPARSE_ENTRY < (long) x.length * DENSE_ENTRY) {
      int[] indices = new int[nonZeros];
      double[] values = new double[nonZeros];
      for (int i = 0, k = 0; i < x.length; i++) {
        if (x[i] != 0) {
          indices[k] = i;
          values[k++] = x[i];
        }
      }
      sparseParts(x.length, indices, values, chunkBytes, parts);
    } else {
      int per = perChunk(chunkBytes, DENSE_ENTRY);
      for (int from = 0; from < x.length; from += per) {
        parts.add(PackedVectors.dense(x, from, Math.min(x.length, from + per)));
      }
    }
    return chunks(h, 0, parts, x.length);
  }

  /**
   * A snapshot of a vector of dimension {@code dim} that is zero except at {@code indices} (strictly
   * increasing), where it holds {@code values}: for a host that knows where its model is non-zero
   * and need not build the whole vector.
   */
  public static List<ParameterUpdate> sparseSnapshot(Header h, int dim, int[] indices, double[] values, int chunkBytes) {
    if (values.length != indices.length) {
      throw new IllegalArgumentException(values.length + " values for " + indices.length + " coordinates");
    }
    List<PackedVector> parts = new ArrayList<>();
    sparseParts(dim, indices, values, chunkBytes, parts);
    return chunks(h, 0, parts, dim);
  }

  /**
   * A delta on top of version {@code baseVersion}: the new entries {@code values[k]} of the
   * coordinates {@code changed[k]} (strictly increasing) of a vector of dimension {@code dim}.
   */
  public static List<ParameterUpdate> delta(Header h, long baseVersion, int dim, int[] changed, double[] values, int chunkBytes) {
    if (baseVersion <= 0 || baseVersion >= h.version()) {
      throw new IllegalArgumentException("a delta of version " + h.version() + " needs an earlier base version, not " + baseVersion);
    }
    if (values.length != changed.length) {
      throw new IllegalArgumentException(values.length + " values for " + changed.length + " coordinates");
    }
    List<PackedVector> parts = new ArrayList<>();
    sparseParts(dim, changed, values, chunkBytes, parts);
    return chunks(h, baseVersion, parts, dim);
  }

  private static void sparseParts(int dim, int[] indices, double[] values, int chunkBytes, List<PackedVector> parts) {
    int per = perChunk(chunkBytes, SPARSE_ENTRY);
    for (int from = 0; from < indices.length; from += per) {
      parts.add(PackedVectors.sparse(dim, indices, values, from, Math.min(indices.length, from + per)));
    }
  }

  private static int perChunk(int chunkBytes, int entryBytes) {
    if (chunkBytes < entryBytes) {
      throw new IllegalArgumentException("chunkBytes " + chunkBytes + " is less than one entry");
    }
    return chunkBytes / entryBytes;
  }

  private static List<ParameterUpdate> chunks(Header h, long baseVersion, List<PackedVector> parts, int dim) {
    if (parts.isEmpty()) { // a zero vector, or a delta where nothing changed: one empty chunk still carries the version
      parts.add(PackedVectors.sparse(dim, new int[0], new double[0], 0, 0));
    }
    List<ParameterUpdate> out = new ArrayList<>(parts.size());
    for (int c = 0; c < parts.size(); c++) {
      boolean last = c == parts.size() - 1;
      // the all-arguments constructor only assigns; a builder also validates every field and copies defaults
      out.add(new ParameterUpdate(h.modelId(), h.version(), h.step(), null, baseVersion, parts.get(c), c, parts.size(),
          last ? h.metrics() : Map.of(), Instant.ofEpochMilli(h.eventTimeMillis()), h.runEpoch()));
    }
    return out;
  }
}
