package io.convexstream.core.linalg;

/**
 * A d×d matrix a second-order learner keeps across updates, with the few operations it needs. Held
 * in a plain {@code double[]} ({@link JavaMatrix}) or in ND4J ({@link Nd4jMatrix}: BLAS on the CPU,
 * or a CUDA device), so the learner's arithmetic does not depend on where the matrix lives.
 */
public interface SquareMatrix {
  int dim();

  /** A v. */
  double[] times(double[] v);

  /** A += s u uᵀ. */
  void addOuter(double[] u, double s);

  double trace();

  /** A fresh row-major copy. */
  double[] toArray();

  /** This is A⁻¹ (symmetric): becomes (A + s u uᵀ)⁻¹ by Sherman–Morrison, O(d²). */
  default void shermanMorrison(double[] u, double s) {
    double[] w = times(u);
    addOuter(w, -s / (1 + s * DenseMatrix.dot(u, w)));
  }

  /** Where the matrices of a learner live. */
  enum Backend {
    JAVA,
    ND4J;

    /**
     * From the learner parameter {@code backend}: java, nd4j, or auto (ND4J from {@code autoMinDim} on,
     * where BENCHMARKS.md measured it faster per update; plain Java below).
     */
    public static Backend choose(String name, int dim, int autoMinDim) {
      return switch (name) {
        case "java" -> JAVA;
        case "nd4j" -> ND4J;
        case "auto" -> dim >= autoMinDim ? ND4J : JAVA;
        default -> throw new IllegalArgumentException("backend must be java, nd4j or auto, not '" + name + "'");
      };
    }

    /** A matrix holding a copy of the row-major d×d values given. */
    public SquareMatrix of(double[] rowMajor, int d) {
      if (rowMajor.length != d * d) {
        throw new IllegalArgumentException("expected " + d + "×" + d + " values, got " + rowMajor.length);
      }
      return this == JAVA ? new JavaMatrix(rowMajor.clone(), d) : new Nd4jMatrix(rowMajor, d);
    }
  }
}
