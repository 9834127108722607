package io.convexstream.core.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link SquareMatrix} in an ND4J array (float64, row-major): products are BLAS gemv and rank-1
 * updates are ger, in place, on whatever device ND4J's backend uses for this thread (see
 * {@link Nd4jDevice}). Only vectors cross between Java and ND4J per operation, never the matrix.
 */
final class Nd4jMatrix implements SquareMatrix {
  static {
    // ND4J's native backend calls System.gc() periodically by default; in a Flink TaskManager that
    // would stall every task, and the arrays here live as long as their learner anyway
    Nd4j.getMemoryManager().togglePeriodicGc(false);
  }

  private final INDArray a;
  private final int d;

  Nd4jMatrix(double[] rowMajor, int d) {
    this.a = Nd4j.createFromArray(rowMajor).reshape(d, d);
    this.d = d;
  }

  private static INDArray column(double[] v) {
    return Nd4j.createFromArray(v).reshape(v.length, 1);
  }

  @Override
  public double[] times(double[] v) {
    return a.mmul(column(v)).toDoubleVector();
  }

  @Override
  public void addOuter(double[] u, double s) {
    INDArray col = column(u);
    Nd4j.getBlasWrapper().level2().ger('c', s, col, col, a);
  }

  @Override
  public double trace() {
    return Nd4j.diag(a).sumNumber().doubleValue();
  }

  @Override
  public double[] array() {
    return toArray();
  }

  @Override
  public double[] toArray() {
    return a.data().asDouble(); // a owns its whole buffer (created here), row-major
  }
}
