package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.linalg.GradientVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LossTest {
  /** Every gradient matches central finite differences of its value. */
  @ParameterizedTest
  @EnumSource(Loss.class)
  void gradientMatchesFiniteDifferences(Loss loss) {
    double[] x = {0.3, -0.7, 0.2};
    GradientVector a = loss == Loss.DISTANCE ? GradientVector.dense(0.1, 0.4, -0.2) : new GradientVector(3, new int[] {0, 2}, new double[] {1.5, -2.0});
    for (double y : new double[] {-1, 1, 0.4}) {
      double[] g = loss.gradient(x, a, y, 1.7).toDense();
      for (int i = 0; i < 3; i++) {
        double h = 1e-6;
        double[] xp = x.clone();
        double[] xm = x.clone();
        xp[i] += h;
        xm[i] -= h;
        double numeric = (loss.value(xp, a, y, 1.7) - loss.value(xm, a, y, 1.7)) / (2 * h);
        assertThat(g[i]).as("%s y=%s i=%d", loss, y, i).isCloseTo(numeric, within(1e-5));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Loss.class, names = {"LOGISTIC", "SQUARED", "HINGE", "HUBER"})
  void sparseFeaturesGiveSparseGradients(Loss loss) {
    GradientVector a = new GradientVector(1000, new int[] {3, 999}, new double[] {1, 1});
    GradientVector g = loss.gradient(new double[1000], a, 1, 1);
    assertThat(g.indices()).containsExactly(3, 999);
  }
}
