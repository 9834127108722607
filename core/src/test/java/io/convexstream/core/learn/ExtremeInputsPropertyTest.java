package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every learner on every domain it takes, fed finite gradients of extreme and mixed scales
 * (entries 1e-300 … 1e300, dense and sparse, some zero): each update is either applied — the next
 * decision and every number of the state finite, the decision in the domain, a positive step — or
 * refused with a {@link NonFiniteUpdateException} that says why, the state exactly as before. Never
 * a non-finite state, a decision outside the domain, or a step that silently became 0.
 */
class ExtremeInputsPropertyTest {
  private static final int D = 6;

  @ParameterizedTest
  @ValueSource(strings = {"ogd;domain=ball:1", "ogd;domain=box:-1:1", "ogd;domain=unconstrained", "ogd;domain=ball:1;G=1",
      "oomd;domain=ball:1", "oomd;domain=box:-1:1", "oomd;domain=ball:1;G=3", "oomd-sc;domain=ball:1",
      "oomd-ec;domain=ball:1", "oomd-ec;domain=unconstrained", "opt-hedge;domain=simplex", "ensemble;domain=ball:1",
      "adagrad;domain=ball:1", "adagrad;domain=box:-1:1", "adagrad;domain=unconstrained", "ftrl;domain=unconstrained"})
  void eachUpdateIsAppliedFinitelyOrRefusedWithNothingChanged(String spec) {
    LearnerConfig config = LearnerConfig.parse(spec);
    Domain domain = config.domain();
    int applied = 0;
    int refused = 0;
    for (int seed = 0; seed < 40; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      OnlineLearner learner = Learners.create(config, D);
      int scale = random.nextInt(-300, 301); // this sequence's scale; some entries wander from it
      for (int round = 0; round < 25; round++) {
        GradientVector g = gradient(random, scale);
        LearnerState before = learner.exportState();
        String what = spec + " seed " + seed + " round " + round + " g " + Arrays.toString(g.toDense());
        try {
          learner.update(g);
        } catch (NonFiniteUpdateException e) {
          refused++;
          assertThat(e.getMessage()).as(what).isNotBlank();
          assertSameState(learner.exportState(), before, what);
          continue;
        }
        applied++;
        double[] x = learner.decision();
        assertThat(Arrays.stream(x).allMatch(Double::isFinite)).as(what + " " + Arrays.toString(x)).isTrue();
        double[] projected = x.clone();
        domain.project(projected);
        for (int i = 0; i < D; i++) {
          assertThat(Math.abs(projected[i] - x[i])).as(what + " x[" + i + "] in the domain").isLessThanOrEqualTo(1e-9 * (1 + Math.abs(x[i])));
        }
        assertFinite(learner.exportState(), what);
        assertThat(learner.stepSize()).as(what + " step").isGreaterThan(0).isFinite();
      }
    }
    // both outcomes occur: the sequences reach scales that some updates cannot represent
    assertThat(applied).as(spec).isGreaterThan(100);
  }

  /** Entries ±10^e, e around the scale (mixed: up to ±300 away), clipped to finite doubles; some zero; half the time sparse. */
  private static GradientVector gradient(SplittableRandom random, int scale) {
    boolean sparse = random.nextBoolean();
    List<Integer> indices = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < D; i++) {
      if (random.nextInt(4) == 0) {
        continue; // zero entry
      }
      int e = random.nextInt(3) == 0 ? random.nextInt(-300, 301) : Math.max(-300, Math.min(300, scale + random.nextInt(-3, 4)));
      double v = random.nextDouble(1, 10) * Math.pow(10, e);
      indices.add(i);
      values.add(random.nextBoolean() ? v : -v);
    }
    if (!sparse) {
      double[] dense = new double[D];
      for (int k = 0; k < indices.size(); k++) {
        dense[indices.get(k)] = values.get(k);
      }
      return GradientVector.dense(dense);
    }
    return new GradientVector(D, indices.stream().mapToInt(Integer::intValue).toArray(), values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The same rounds, scalars and arrays, bit for bit: what a refused update must leave. */
  static void assertSameState(LearnerState after, LearnerState before, String what) {
    assertThat(after.rounds).as(what + " rounds").isEqualTo(before.rounds);
    assertThat(new TreeMap<>(after.scalars)).as(what + " scalars").isEqualTo(new TreeMap<>(before.scalars));
    assertThat(after.arrays.keySet()).as(what).isEqualTo(before.arrays.keySet());
    for (Map.Entry<String, double[]> a : before.arrays.entrySet()) {
      assertThat(after.arrays.get(a.getKey())).as(what + " " + a.getKey()).containsExactly(a.getValue());
    }
  }

  private static void assertFinite(LearnerState s, String what) {
    s.scalars.forEach((k, v) -> assertThat(v).as(what + " " + k).isFinite());
    s.arrays.forEach((k, v) -> assertThat(Arrays.stream(v).allMatch(Double::isFinite)).as(what + " " + k + " " + Arrays.toString(v)).isTrue());
  }
}
