package io.convexstream.core.linalg;

/** A {@link SquareMatrix} in a plain row-major {@code double[]}: the {@link DenseMatrix} kernels. */
final class JavaMatrix implements SquareMatrix {
  private final double[] a;
  private final int d;

  JavaMatrix(double[] a, int d) {
    this.a = a;
    this.d = d;
  }

  @Override
  public double[] times(double[] v) {
    return DenseMatrix.multiply(a, v);
  }

  @Override
  public void addOuter(double[] u, double s) {
    DenseMatrix.addOuter(a, u, s);
  }

  @Override
  public double trace() {
    double t = 0;
    for (int i = 0; i < d; i++) {
      t += a[i * d + i];
    }
    return t;
  }

  @Override
  public double[] toArray() {
    return a.clone();
  }

  @Override
  public double[] array() {
    return a;
  }
}
