package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.linalg.GradientVector;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Export + restore continues bit for bit, and sparse gradients give the dense result. */
class LearnerStateTest {
  private static LearnerConfig config(String algorithm) {
    String domain = algorithm.equals("opt-hedge") ? "simplex" : algorithm.equals("adagrad") ? "box:-1:1"
        : algorithm.equals("ftrl") ? "unconstrained:1" : "ball:1";
    boolean takesG = LearnerParameter.G.usedBy().contains(LearnerConfig.Algorithm.parse(algorithm));
    return takesG ? LearnerConfig.of(algorithm, "domain=" + domain, "G=2") : LearnerConfig.of(algorithm, "domain=" + domain);
  }

  private static GradientVector sparseGradient(SplittableRandom r, int d) {
    int[] idx = {1, 3, 4};
    double[] v = {r.nextDouble() - 0.5, r.nextDouble() - 0.5, r.nextDouble() - 0.5};
    return new GradientVector(d, idx, v);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ogd", "oomd", "oomd-sc", "oomd-ec", "opt-hedge", "ensemble", "adagrad", "ftrl"})
  void restoredLearnerContinuesIdentically(String algorithm) {
    int d = 6;
    LearnerConfig c = config(algorithm);
    OnlineLearner straight = Learners.create(c, d);
    OnlineLearner first = Learners.create(c, d);
    SplittableRandom r1 = new SplittableRandom(9);
    SplittableRandom r2 = new SplittableRandom(9);
    for (int t = 0; t < 20; t++) {
      straight.update(sparseGradient(r1, d));
      first.update(sparseGradient(r2, d));
    }
    OnlineLearner restored = Learners.restore(c, d, first.exportState());
    assertThat(restored.decision()).containsExactly(first.decision());
    for (int t = 0; t < 20; t++) {
      GradientVector g = sparseGradient(r1, d);
      straight.update(g);
      restored.update(sparseGradient(r2, d));
      assertThat(restored.decision()).containsExactly(straight.decision());
    }
    assertThat(restored.rounds()).isEqualTo(40);
    assertThat(restored.gradientVariation()).isEqualTo(straight.gradientVariation());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ogd", "oomd", "oomd-sc", "adagrad", "ftrl", "ensemble", "opt-hedge"})
  void sparseGradientsGiveTheDenseResult(String algorithm) {
    int d = 6;
    LearnerConfig c = config(algorithm);
    OnlineLearner sparse = Learners.create(c, d);
    OnlineLearner dense = Learners.create(c, d);
    SplittableRandom r = new SplittableRandom(4);
    for (int t = 0; t < 30; t++) {
      GradientVector g = sparseGradient(r, d);
      sparse.update(g);
      dense.update(GradientVector.dense(g.toDense()));
      assertThat(sparse.decision()).containsExactly(dense.decision());
    }
  }
}
