package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.core.linalg.GradientVector;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Learners that change only their gradients' coordinates are separable: restored on just the
 * touched coordinates (renumbered), they compute exactly what the whole learner computes there.
 */
class SeparableLearnersTest {
  @ParameterizedTest
  @ValueSource(strings = {"ftrl;l1=0.01;l2=0.1", "adagrad;domain=box:-0.5:0.5", "adagrad;domain=unconstrained:3",
      "ogd;domain=box:-1:2", "ogd;domain=unconstrained:2"})
  void aLearnerOnSomeCoordinatesComputesWhatTheWholeLearnerComputesThere(String spec) {
    LearnerConfig c = LearnerConfig.parse(spec);
    int d = 50;
    OnlineLearner whole = Learners.create(c, d);
    assertThat(whole.updatesOnlyGradientCoordinates()).isTrue();
    LearnerState fresh = Learners.freshCoordinate(c);
    // the compact state of every coordinate, kept by hand as a host would (arrays of length d, one entry per coordinate)
    LearnerState kept = new LearnerState(c.algorithm(), 0);
    fresh.arrays.forEach((name, one) -> {
      double[] a = new double[d];
      java.util.Arrays.fill(a, one[0]);
      kept.arrays.put(name, a);
    });
    kept.scalars.putAll(fresh.scalars);
    Random r = new Random(9);
    for (int t = 0; t < 40; t++) {
      int[] idx = r.ints(5, 0, d).sorted().distinct().toArray();
      double[] v = r.doubles(idx.length).map(x -> 2 * x - 1).toArray();
      whole.update(new GradientVector(d, idx, v));

      LearnerState compact = new LearnerState(c.algorithm(), kept.rounds);
      compact.scalars.putAll(kept.scalars);
      kept.arrays.forEach((name, a) -> {
        double[] part = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
          part[k] = a[idx[k]];
        }
        compact.arrays.put(name, part);
      });
      OnlineLearner some = Learners.restore(c, d, compact);
      some.update(new GradientVector(idx.length, null, v));
      LearnerState after = some.exportState();
      kept.rounds = after.rounds;
      kept.scalars.putAll(after.scalars);
      after.arrays.forEach((name, part) -> {
        for (int k = 0; k < idx.length; k++) {
          kept.arrays.get(name)[idx[k]] = part[k];
        }
      });
      for (int k = 0; k < idx.length; k++) {
        assertThat(some.decision()[k]).as("%s coordinate %d at round %d", spec, idx[k], t).isEqualTo(whole.decision()[idx[k]]);
      }
    }
    assertThat(Learners.restore(c, d, kept).decision()).isEqualTo(whole.decision());
  }

  /** ftrl has no domain: a learner.domain given to it is refused, not silently ignored. */
  @Test
  void ftrlRefusesADomainItWouldIgnore() {
    assertThatThrownBy(() -> LearnerConfig.of("ftrl", "domain=box:-1:1")).hasMessageContaining("ftrl is unconstrained")
        .hasMessageContaining("box:-1:1 would be ignored");
    assertThat(LearnerConfig.of("ftrl", "domain=unconstrained:1").algorithm()).isEqualTo("ftrl");
    assertThat(LearnerConfig.of("ftrl", "l1=0.01").algorithm()).isEqualTo("ftrl");
  }

  @Test
  void learnersThatMixCoordinatesAreNotSeparable() {
    assertThat(Learners.create(LearnerConfig.of("ogd", "domain=ball:1"), 3).updatesOnlyGradientCoordinates()).isFalse();
    assertThat(Learners.create(LearnerConfig.of("oomd", "domain=box:0:1"), 3).updatesOnlyGradientCoordinates()).isFalse();
    assertThatThrownBy(() -> Learners.freshCoordinate(LearnerConfig.of("adagrad", "domain=simplex")))
        .hasMessageContaining("not coordinate-separable");
  }
}
