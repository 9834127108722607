package io.convexstream.core.linalg;

/**
 * A gradient (or any vector) of dimension {@code dim}, dense ({@code indices == null}, {@code
 * values.length == dim}) or sparse ({@code values[k]} at coordinate {@code indices[k]}, indices
 * strictly increasing). Sparse vectors are used as they are: nothing here densifies them.
 */
public record GradientVector(int dim, int[] indices, double[] values) {
  public static GradientVector dense(double... values) {
    return new GradientVector(values.length, null, values);
  }

  public static GradientVector zero(int dim) {
    return new GradientVector(dim, new int[0], new double[0]);
  }

  public boolean isSparse() {
    return indices != null;
  }

  public int nonZeros() {
    return values.length;
  }

  /** ⟨this, x⟩ for a dense x. */
  public double dot(double[] x) {
    double s = 0;
    if (indices == null) {
      for (int i = 0; i < values.length; i++) {
        s += values[i] * x[i];
      }
    } else {
      for (int k = 0; k < indices.length; k++) {
        s += values[k] * x[indices[k]];
      }
    }
    return s;
  }

  /** ⟨this, other⟩, merging sparse index lists. */
  public double dot(GradientVector other) {
    if (indices == null) {
      return other.dot(values);
    }
    if (other.indices == null) {
      return dot(other.values);
    }
    double s = 0;
    int a = 0;
    int b = 0;
    while (a < indices.length && b < other.indices.length) {
      if (indices[a] == other.indices[b]) {
        s += values[a++] * other.values[b++];
      } else if (indices[a] < other.indices[b]) {
        a++;
      } else {
        b++;
      }
    }
    return s;
  }

  public double squaredNorm() {
    double s = 0;
    for (double v : values) {
      s += v * v;
    }
    return s;
  }

  /**
   * ||this − other||², coordinate by coordinate in O(non-zeros of both) (O(dim) when one is dense).
   * Not as ||a||² + ||b||² − 2⟨a, b⟩: that cancels catastrophically when a ≈ b relative to their
   * size, which is exactly the case of a good optimistic hint (12× off at ||g||/||g − M|| ≈ 1e6).
   */
  public double squaredDistance(GradientVector other) {
    int n = nonZeros();
    int m = other.nonZeros();
    int a = 0;
    int b = 0;
    double s = 0;
    while (a < n || b < m) {
      int i = a < n ? index(a) : Integer.MAX_VALUE;
      int j = b < m ? other.index(b) : Integer.MAX_VALUE;
      double d;
      if (i == j) {
        d = values[a++] - other.values[b++];
      } else if (i < j) {
        d = values[a++];
      } else {
        d = -other.values[b++];
      }
      s += d * d;
    }
    return s;
  }

  /** The coordinate of the k-th stored value. */
  private int index(int k) {
    return indices == null ? k : indices[k];
  }

  public double maxAbs() {
    double m = 0;
    for (double v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** x += a · this. */
  public void addTo(double[] x, double a) {
    Vectors.axpy(x, a, indices, values);
  }

  /** A dense copy. */
  public double[] toDense() {
    double[] d = new double[dim];
    addTo(d, 1.0);
    return d;
  }
}
