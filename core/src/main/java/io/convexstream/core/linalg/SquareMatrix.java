package io.convexstream.core.linalg;

/**
 * A d×d matrix a second-order learner keeps across updates, with the few operations it needs. Held
 * in a plain {@code double[]} ({@link JavaMatrix}) or in ND4J ({@link Nd4jMatrix}: BLAS on the CPU,
 * or a CUDA device), so the learner's arithmetic does not depend on where the matrix lives.
 */
public interface SquareMatrix {
  /** A v. */
  double[] times(double[] v);

  /** A += s u uᵀ. */
  void addOuter(double[] u, double s);

  double trace();

  /** A fresh row-major copy. */
  double[] toArray();

  /** The row-major values: the matrix's own array where it has one (plain Java), else a copy. */
  double[] array();

  /** Where the matrices of a learner live. */
  enum Backend {
    JAVA,
    ND4J;

    /**
     * From the learner parameter {@code backend}: java, nd4j, or auto: ND4J from {@code autoMinDim}
     * on when ND4J computes on a CUDA device ({@link Nd4jDevice#defaultDevice}); plain Java otherwise,
     * which BENCHMARKS.md measured as fast as ND4J's CPU BLAS at every d.
     */
    public static Backend choose(String name, int dim, int autoMinDim) {
      return switch (name) {
        case "java" -> JAVA;
        case "nd4j" -> ND4J;
        case "auto" -> dim >= autoMinDim && Nd4jDevice.defaultDevice().cudaDevice() >= 0 ? ND4J : JAVA;
        default -> throw new IllegalArgumentException("backend must be java, nd4j or auto, not '" + name + "'");
      };
    }

    /** A matrix holding a copy of the row-major d×d values given. */
    public SquareMatrix of(double[] rowMajor, int d) {
      return over(this == JAVA ? rowMajor.clone() : rowMajor, d);
    }

    /** A matrix working on the given row-major d×d array itself where it can (plain Java); ND4J copies it. */
    public SquareMatrix over(double[] rowMajor, int d) {
      if (rowMajor.length != d * d) {
        throw new IllegalArgumentException("expected " + d + "×" + d + " values, got " + rowMajor.length);
      }
      return this == JAVA ? new JavaMatrix(rowMajor, d) : new Nd4jMatrix(rowMajor, d);
    }
  }
}
