package io.convexstream.core.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.linalg.SquareMatrix.Backend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ND4J matrix does the same arithmetic as the plain Java one (up to BLAS summation order). */
class SquareMatrixTest {
  private static double[] random(SplittableRandom r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble(-1, 1);
    }
    return v;
  }

  private static void assertClose(double[] actual, double[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-12 * (1 + Math.abs(expected[i]))));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 64})
  void nd4jMatchesPlainJavaOverAStreamOfUpdates(int d) {
    SplittableRandom r = new SplittableRandom(d);
    double[] start = DenseMatrix.scaledIdentity(d, 0.25);
    SquareMatrix java = Backend.JAVA.of(start.clone(), d);
    SquareMatrix nd4j = Backend.ND4J.of(start, d);
    for (int step = 0; step < 50; step++) {
      double[] u = random(r, d);
      java.addOuter(u, 0.5);
      nd4j.addOuter(u, 0.5);
      double[] v = random(r, d);
      java.addOuter(v, -0.01);
      nd4j.addOuter(v, -0.01);
      assertClose(nd4j.times(u), java.times(u));
    }
    assertClose(nd4j.toArray(), java.toArray());
    assertThat(nd4j.trace()).isCloseTo(java.trace(), within(1e-12 * Math.abs(java.trace())));
  }

  @Test
  void backendChoice() {
    assertThat(Backend.choose("java", 10_000, 500)).isEqualTo(Backend.JAVA);
    assertThat(Backend.choose("nd4j", 2, 500)).isEqualTo(Backend.ND4J);
    assertThat(Backend.choose("auto", 499, 500)).isEqualTo(Backend.JAVA);
    // auto takes ND4J only on a CUDA device (this machine has none: plain Java)
    boolean cuda = Nd4jDevice.defaultDevice().cudaDevice() >= 0;
    assertThat(Backend.choose("auto", 500, 500)).isEqualTo(cuda ? Backend.ND4J : Backend.JAVA);
    assertThatThrownBy(() -> Backend.choose("gpu", 2, 500)).hasMessageContaining("java, nd4j or auto");
    assertThatThrownBy(() -> Backend.ND4J.of(new double[5], 2)).hasMessageContaining("2×2");
  }

  @Test
  void matricesCopyOnTheWayInAndOut() {
    for (Backend b : Backend.values()) {
      double[] a = DenseMatrix.scaledIdentity(2, 1);
      SquareMatrix m = b.of(a, 2);
      m.addOuter(new double[] {1, 0}, 1);
      assertThat(a[0]).isEqualTo(1);
      double[] out = m.toArray();
      assertThat(out).containsExactly(2, 0, 0, 1);
      out[0] = 99;
      assertThat(m.toArray()[0]).isEqualTo(2);
    }
  }
}
