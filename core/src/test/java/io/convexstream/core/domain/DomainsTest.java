package io.convexstream.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DomainsTest {
  @Test
  void ballScalesOutsidePointsOnly() {
    Domain ball = Domain.parse("ball:2");
    double[] inside = {1, 1};
    ball.project(inside);
    assertThat(inside).containsExactly(1, 1);
    double[] outside = {3, 4};
    ball.project(outside);
    assertThat(outside[0]).isCloseTo(1.2, within(1e-15));
    assertThat(outside[1]).isCloseTo(1.6, within(1e-15));
    assertThat(ball.diameter(7)).isEqualTo(4);
  }

  @Test
  void boxClipsEachCoordinate() {
    Domain box = Domain.parse("box:-1:0.5");
    double[] x = {-3, 0.2, 9};
    box.project(x);
    assertThat(x).containsExactly(-1, 0.2, 0.5);
    assertThat(box.diameter(4)).isEqualTo(3.0);
  }

  @Test
  void simplexProjectionKnownCases() {
    Domain simplex = Domain.parse("simplex");
    double[] x = {0.5, 0.5, 0.5};
    simplex.project(x);
    for (double v : x) {
      assertThat(v).isCloseTo(1 / 3.0, within(1e-15));
    }
    double[] y = {2, 0, -1};
    simplex.project(y);
    assertThat(y).containsExactly(1, 0, 0);
    double[] z = {0.6, 0.6, -5};
    simplex.project(z);
    assertThat(z[0]).isCloseTo(0.5, within(1e-15));
    assertThat(z[2]).isEqualTo(0);
  }

  /** The projection p of y satisfies the KKT conditions: p = max(y − θ, 0) for one θ, Σp = 1. */
  @Test
  void simplexProjectionIsExactOnRandomPoints() {
    SplittableRandom r = new SplittableRandom(3);
    Domain simplex = new ProbabilitySimplex();
    for (int trial = 0; trial < 200; trial++) {
      int d = 1 + r.nextInt(40);
      double[] y = new double[d];
      for (int i = 0; i < d; i++) {
        y[i] = 4 * (r.nextDouble() - 0.5);
      }
      double[] p = y.clone();
      simplex.project(p);
      assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, within(1e-12));
      double theta = Double.NaN;
      for (int i = 0; i < d; i++) {
        assertThat(p[i]).isGreaterThanOrEqualTo(0);
        if (p[i] > 0) {
          theta = y[i] - p[i];
        }
      }
      for (int i = 0; i < d; i++) {
        if (p[i] > 0) {
          assertThat(y[i] - p[i]).isCloseTo(theta, within(1e-12));
        } else {
          assertThat(y[i]).isLessThanOrEqualTo(theta + 1e-12);
        }
      }
    }
  }

  @Test
  void unconstrainedLeavesPointsAndParsesItsScale() {
    Domain u = Domain.parse("unconstrained:5");
    double[] x = {100, -100};
    u.project(x);
    assertThat(x).containsExactly(100, -100);
    assertThat(u.diameter(3)).isEqualTo(5);
    assertThatThrownBy(() -> Domain.parse("cube")).hasMessageContaining("unknown domain");
  }
}
