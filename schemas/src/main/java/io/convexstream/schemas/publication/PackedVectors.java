package io.convexstream.schemas.publication;

import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.PackedVector;
import io.convexstream.schemas.ParameterUpdate;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Packs entries of a vector into a {@link PackedVector} (little-endian, unboxed) and reads them back. */
public final class PackedVectors {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private PackedVectors() {}

  /** Receives the entries of a packed vector, one coordinate at a time. */
  @FunctionalInterface
  public interface EntryConsumer {
    void accept(int index, double value);
  }

  /** Coordinates {@code from} .. {@code to}−1 of {@code x}, as a dense run. */
  public static PackedVector dense(double[] x, int from, int to) {
    ByteBuffer values = ByteBuffer.allocate(8 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
    values.asDoubleBuffer().put(x, from, to - from);
    return new PackedVector(x.length, from, EMPTY.duplicate(), values);
  }

  /** Entries {@code values[k]} at coordinates {@code indices[k]} (strictly increasing) for k = from .. to−1. */
  public static PackedVector sparse(int dim, int[] indices, double[] values, int from, int to) {
    ByteBuffer idx = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer v = ByteBuffer.allocate(8 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
    for (int k = from; k < to; k++) {
      idx.putInt(indices[k]);
      v.putDouble(values[k]);
    }
    return new PackedVector(dim, 0, idx.flip(), v.flip());
  }

  /**
   * A parameter record's entries: its {@code values}, or, in a record of schema versions 1 and 2,
   * its boxed {@code parameters} as one dense run (such a record reads as a one-chunk snapshot);
   * null when it has neither.
   */
  public static PackedVector of(ParameterUpdate u) {
    if (u.getValues() != null || u.getParameters() == null) {
      return u.getValues();
    }
    NumericVector v = u.getParameters();
    double[] x = new double[v.getDim()];
    for (int k = 0; k < v.getValues().size(); k++) {
      x[v.getIndices() == null ? k : v.getIndices().get(k)] = v.getValues().get(k);
    }
    return dense(x, 0, x.length);
  }

  /** Number of entries. */
  public static int size(PackedVector v) {
    return v.getValues().remaining() / 8;
  }

  /**
   * Calls {@code to} for every entry, after checking the vector is well formed (lengths that are
   * whole entries, indices strictly increasing within the dimension, a dense run inside it).
   */
  public static void forEach(PackedVector v, EntryConsumer to) {
    ByteBuffer values = v.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer indices = v.getIndices().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (values.remaining() % 8 != 0) {
      throw new IllegalArgumentException("values hold " + values.remaining() + " bytes, not a whole number of doubles");
    }
    int n = values.remaining() / 8;
    if (indices.remaining() == 0) {
      if (v.getOffset() < 0 || (long) v.getOffset() + n > v.getDim()) {
        throw new IllegalArgumentException("dense run " + v.getOffset() + ".." + ((long) v.getOffset() + n) + " outside dimension " + v.getDim());
      }
      for (int k = 0; k < n; k++) {
        to.accept(v.getOffset() + k, values.getDouble());
      }
      return;
    }
    if (indices.remaining() != 4 * n) {
      throw new IllegalArgumentException(indices.remaining() / 4 + " indices for " + n + " values");
    }
    int previous = -1;
    for (int k = 0; k < n; k++) {
      int i = indices.getInt();
      if (i <= previous || i >= v.getDim()) {
        throw new IllegalArgumentException("index " + i + " after " + previous + " in dimension " + v.getDim());
      }
      previous = i;
      to.accept(i, values.getDouble());
    }
  }
}
