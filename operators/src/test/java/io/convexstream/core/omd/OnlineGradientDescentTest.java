package io.convexstream.core.omd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.linalg.Vectors;
import org.junit.jupiter.api.Test;

class OnlineGradientDescentTest {
  @Test
  void stepSizeIsDiameterOverGSqrtT() {
    OnlineGradientDescent ogd = new OnlineGradientDescent(1.5, 2.0);
    assertThat(ogd.stepSize(1)).isEqualTo(3.0 / 2.0);
    assertThat(ogd.stepSize(4)).isEqualTo(3.0 / (2.0 * 2.0));
  }

  @Test
  void denseStepInsideTheBall() {
    OnlineGradientDescent ogd = new OnlineGradientDescent(20, 4);
    double[] x = {1, 2};
    double norm = ogd.update(x, 4, null, new double[] {0.5, -1}); // eta = 40 / (4 * 2) = 5
    assertThat(x).containsExactly(1 - 2.5, 2 + 5.0);
    assertThat(norm).isCloseTo(Math.hypot(-1.5, 7), within(1e-12));
  }

  @Test
  void projectsBackOntoTheBall() {
    OnlineGradientDescent ogd = new OnlineGradientDescent(1, 1);
    double[] x = {0, 0, 0};
    double norm = ogd.update(x, 1, null, new double[] {-3, 0, 4}); // step 2 -> (6, 0, -8), norm 10
    assertThat(norm).isEqualTo(1.0);
    assertThat(x[0]).isCloseTo(0.6, within(1e-15));
    assertThat(x[2]).isCloseTo(-0.8, within(1e-15));
  }

  @Test
  void sparseGradientTouchesOnlyItsCoordinates() {
    OnlineGradientDescent ogd = new OnlineGradientDescent(1000, 10);
    double[] x = new double[6];
    ogd.update(x, 1, new int[] {1, 4}, new double[] {1, -2}); // eta = 2000 / 10 = 200, inside the ball
    assertThat(x).containsExactly(0, -200, 0, 0, 400, 0);
    assertThat(Vectors.norm2(x)).isCloseTo(Math.sqrt(200 * 200 + 400 * 400), within(1e-9));
  }
}
