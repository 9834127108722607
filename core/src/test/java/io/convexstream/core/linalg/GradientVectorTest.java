package io.convexstream.core.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GradientVectorTest {
  /**
   * A good optimistic hint is close to the gradient relative to both sizes: ||g − M||² must come out
   * exact there, not from ||g||² + ||M||² − 2⟨g, M⟩, which cancels to noise.
   */
  @Test
  void squaredDistanceIsExactWhenTheVectorsAreCloseRelativeToTheirSize() {
    for (double scale : new double[] {1e3, 1e6, 1e7, 1e150}) {
      GradientVector g = GradientVector.dense(scale + 1, scale, -scale);
      GradientVector m = GradientVector.dense(scale, scale, -scale - 1);
      double exact = Math.pow((scale + 1) - scale, 2) + Math.pow(-scale - (-scale - 1), 2);
      assertThat(g.squaredDistance(m)).as("scale %s", scale).isEqualTo(exact);
    }
    // sparse against sparse and dense, the same coordinate by coordinate sums
    GradientVector a = new GradientVector(6, new int[] {1, 4}, new double[] {1e8 + 2, -3});
    GradientVector b = new GradientVector(6, new int[] {1, 2}, new double[] {1e8, 5});
    assertThat(a.squaredDistance(b)).isEqualTo(4 + 25 + 9);
    assertThat(b.squaredDistance(a)).isEqualTo(4 + 25 + 9);
    assertThat(a.squaredDistance(GradientVector.dense(b.toDense()))).isEqualTo(38);
    assertThat(GradientVector.dense(a.toDense()).squaredDistance(b)).isEqualTo(38);
    assertThat(a.squaredDistance(GradientVector.zero(6))).isEqualTo((1e8 + 2) * (1e8 + 2) + 9);
  }
}
