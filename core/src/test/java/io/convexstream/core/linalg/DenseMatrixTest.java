package io.convexstream.core.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseMatrixTest {
  private static double[] randomSpd(int d, SplittableRandom r) {
    double[] a = DenseMatrix.scaledIdentity(d, 0.5);
    for (int k = 0; k < 3; k++) {
      double[] u = new double[d];
      for (int i = 0; i < d; i++) {
        u[i] = r.nextDouble() - 0.5;
      }
      DenseMatrix.addOuter(a, u, 1.0);
    }
    return a;
  }

  @Test
  void normProjectionOntoTheBallSatisfiesKkt() {
    SplittableRandom r = new SplittableRandom(2);
    int d = 5;
    double[] u = randomSpd(d, r);
    double[] y = {2, -1, 0.5, 3, 1};
    double[] x = DenseMatrix.projectOntoBallInNorm(u, y, 1.0);
    assertThat(Vectors.norm2(x)).isCloseTo(1.0, within(1e-9));
    double[] diff = new double[d];
    for (int i = 0; i < d; i++) {
      diff[i] = y[i] - x[i];
    }
    double[] lhs = DenseMatrix.multiply(u, diff);
    double mu = DenseMatrix.dot(lhs, x) / DenseMatrix.dot(x, x);
    assertThat(mu).isPositive();
    for (int i = 0; i < d; i++) {
      assertThat(lhs[i]).isCloseTo(mu * x[i], within(1e-6));
    }
    double[] inside = {0.1, 0.2, 0, 0, 0};
    assertThat(DenseMatrix.projectOntoBallInNorm(u, inside, 1.0)).containsExactly(inside);
  }

  @Test
  void newtonProjectionAgreesWithBisectionOnAnIllConditionedMatrix() {
    SplittableRandom r = new SplittableRandom(3);
    int d = 60;
    double[] u = randomSpd(d, r);
    for (int i = 0; i < d; i++) {
      u[i * d + i] += i < 3 ? 1e4 : 1e-3; // eigenvalues over seven orders of magnitude
    }
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      y[i] = 3 * (r.nextDouble() - 0.5);
    }
    double[] uy = DenseMatrix.multiply(u, y);
    double lo = 0;
    double hi = 1;
    while (Vectors.norm2(DenseMatrix.solveShifted(u, hi, uy)) > 1.0) {
      hi *= 2;
    }
    for (int iter = 0; iter < 200; iter++) {
      double mid = 0.5 * (lo + hi);
      if (Vectors.norm2(DenseMatrix.solveShifted(u, mid, uy)) > 1.0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double[] bisected = DenseMatrix.solveShifted(u, hi, uy);
    assertThat(DenseMatrix.projectOntoBallInNorm(u, y, 1.0)).containsExactly(bisected, within(1e-10));
  }

  @Test
  void sparseAndDenseDotsAgree() {
    GradientVector sparse = new GradientVector(6, new int[] {1, 4, 5}, new double[] {2, -1, 3});
    GradientVector other = new GradientVector(6, new int[] {0, 4, 5}, new double[] {7, 5, 1});
    assertThat(sparse.dot(other)).isEqualTo(-5 + 3);
    assertThat(sparse.dot(GradientVector.dense(other.toDense()))).isEqualTo(-2.0);
    assertThat(sparse.squaredDistance(other)).isCloseTo(
        GradientVector.dense(sparse.toDense()).squaredDistance(GradientVector.dense(other.toDense())), within(1e-12));
  }
}
