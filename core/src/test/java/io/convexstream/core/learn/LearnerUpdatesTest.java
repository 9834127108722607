package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.linalg.GradientVector;
import org.junit.jupiter.api.Test;

/** Each update rule against hand-computed values. */
class LearnerUpdatesTest {
  private static OnlineLearner learner(String algorithm, int dim, String... kv) {
    return Learners.create(LearnerConfig.of(algorithm, kv), dim);
  }

  /**
   * One finite gradient with entries 1e160 would make oomd's variation infinite, η = 0 for ever,
   * with a finite decision: a model that silently stopped learning. The update is refused instead and
   * the learner is as it was, still learning from the next gradient.
   */
  @Test
  void aGradientThatWouldFreezeTheStepSizeIsRefusedAndChangesNothing() {
    for (String[] c : new String[][] {{"oomd", "domain=ball:1"}, {"opt-hedge", "domain=simplex"}}) {
      OnlineLearner l = learner(c[0], 3, c[1]);
      l.update(GradientVector.dense(0.5, -0.2, 0.1));
      double[] before = l.decision().clone();
      LearnerState saved = l.exportState();
      assertThatThrownBy(() -> l.update(GradientVector.dense(1e160, -1e160, 1e160)))
          .as(c[0]).isInstanceOf(NonFiniteUpdateException.class).hasMessageContaining("infinite");
      assertThat(l.decision()).as(c[0]).containsExactly(before);
      ExtremeInputsPropertyTest.assertSameState(l.exportState(), saved, c[0]);
      l.update(GradientVector.dense(0.5, -0.2, 0.1));
      assertThat(l.decision()).as("%s learns on", c[0]).isNotEqualTo(before);
    }
  }

  /**
   * AdaGrad with a first gradient of 1e-170: g² underflows to 0, and the step g / sqrt(Σg²) would be
   * ±∞ (NaN on a ball, a silent jump to the bound on a box). It is the step of any first
   * gradient, η · sign(g); an entry whose square overflows is refused, nothing changed.
   */
  @Test
  void adagradStepsOnTinyGradientsAndRefusesHugeOnes() {
    for (String domain : new String[] {"box:-10:10", "ball:10", "unconstrained:1"}) {
      OnlineLearner tiny = learner("adagrad", 2, "domain=" + domain, "eta=1");
      tiny.update(GradientVector.dense(1e-170, 0));
      assertThat(tiny.decision()).as(domain).containsExactly(-1.0, 0.0);
      OnlineLearner huge = learner("adagrad", 2, "domain=" + domain, "eta=1");
      huge.update(GradientVector.dense(1, 1));
      double[] before = huge.decision().clone();
      assertThatThrownBy(() -> huge.update(GradientVector.dense(1e160, 1))).isInstanceOf(NonFiniteUpdateException.class);
      assertThat(huge.decision()).as(domain).containsExactly(before);
    }
  }

  @Test
  void ogdStepsByDOverGSqrtTAndProjects() {
    OnlineLearner ogd = learner("ogd", 2, "domain=ball:10", "G=4");
    ogd.update(GradientVector.dense(1, 0)); // eta_1 = 20/4 = 5
    assertThat(ogd.decision()).containsExactly(-5, 0);
    ogd.update(GradientVector.dense(0, 2)); // eta_2 = 5/√2
    assertThat(ogd.decision()[1]).isCloseTo(-10 / Math.sqrt(2), within(1e-12));
    ogd.update(GradientVector.dense(-100, 0)); // leaves the ball, projected back
    assertThat(Math.hypot(ogd.decision()[0], ogd.decision()[1])).isCloseTo(10, within(1e-12));
  }

  @Test
  void optimisticOmdTwoStepWithAdaptiveStep() {
    // D = 2, G = 1, delta = 1: eta_t = 2 / sqrt(5 + V_{t-1})
    OnlineLearner oomd = learner("oomd", 1, "domain=ball:1", "G=1");
    assertThat(oomd.decision()).containsExactly(0); // M_1 = 0
    double eta1 = 2 / Math.sqrt(5);
    assertThat(oomd.stepSize()).isEqualTo(eta1);
    oomd.update(GradientVector.dense(0.5));
    // xHat_2 = -eta1*0.5; V = 0.25; eta2 = 2/sqrt(5.25); x_2 = xHat_2 - eta2*0.5
    double eta2 = 2 / Math.sqrt(5.25);
    assertThat(oomd.gradientVariation()).isEqualTo(0.25);
    assertThat(oomd.stepSize()).isEqualTo(eta2);
    assertThat(oomd.decision()[0]).isCloseTo(-eta1 * 0.5 - eta2 * 0.5, within(1e-15));
    oomd.update(GradientVector.dense(0.5)); // perfectly predicted: no added variation
    assertThat(oomd.gradientVariation()).isEqualTo(0.25);
  }

  @Test
  void stronglyConvexStepIsCOverLambdaT() {
    OnlineLearner sc = learner("oomd-sc", 1, "domain=unconstrained:1", "lambda=4", "c=2");
    assertThat(sc.stepSize()).isEqualTo(0.5);
    sc.update(GradientVector.dense(1)); // xHat = -0.5, eta_2 = 0.25, x = -0.5 - 0.25
    assertThat(sc.decision()).containsExactly(-0.75);
    assertThat(sc.stepSize()).isEqualTo(0.25);
  }

  @Test
  void expConcaveUsesTheMatrixRegularizer() {
    // d = 1, delta = 2, beta = 1: U_2 = 2 + 0.5*g², xHat_2 = -g/U_2, x_2 = xHat_2 - g/U_2
    OnlineLearner ec = learner("oomd-ec", 1, "domain=unconstrained:1", "delta=2", "beta=1");
    ec.update(GradientVector.dense(2));
    double u2 = 2 + 0.5 * 4;
    assertThat(ec.decision()[0]).isCloseTo(-2 / u2 - 2 / u2, within(1e-15));
    assertThat(ec.stepSize()).isCloseTo(1 / u2, within(1e-15));
    assertThatThrownBy(() -> learner("oomd-ec", 2, "domain=simplex")).hasMessageContaining("ball and unconstrained");
  }

  @Test
  void expConcaveOnNd4jFollowsThePlainJavaTrajectoryAndSharesItsState() {
    // a small ball, so the U-norm projection is active in most rounds
    int d = 12;
    String[] kv = {"domain=ball:0.3", "beta=1", "delta=4"};
    OnlineLearner java = learner("oomd-ec", d, kv);
    LearnerConfig nd4jConfig = LearnerConfig.of("oomd-ec", kv).with("backend", "nd4j");
    OnlineLearner nd4j = Learners.create(nd4jConfig, d);
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int t = 0; t < 300; t++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = 0.5 + r.nextDouble(-0.3, 0.3) * (i % 3); // a steady drift pushes x onto the boundary
      }
      java.update(GradientVector.dense(g));
      nd4j.update(GradientVector.dense(g));
      if (t % 100 == 50) { // the exported state is the same form on both backends: swap mid-stream
        nd4j = Learners.restore(LearnerConfig.of("oomd-ec", kv), d, nd4j.exportState());
        nd4j = Learners.restore(nd4jConfig, d, nd4j.exportState());
      }
    }
    assertThat(io.convexstream.core.linalg.Vectors.norm2(java.decision())).isCloseTo(0.3, within(1e-9));
    for (int i = 0; i < d; i++) {
      assertThat(nd4j.decision()[i]).isCloseTo(java.decision()[i], within(1e-9));
    }
    assertThat(nd4j.stepSize()).isCloseTo(java.stepSize(), within(1e-12 * java.stepSize()));
    assertThat(nd4j.gradientVariation()).isCloseTo(java.gradientVariation(), within(1e-9 * java.gradientVariation()));
    assertThat(nd4j.rounds()).isEqualTo(300);
    assertThatThrownBy(() -> learner("oomd-ec", 2, "backend=cuda")).hasMessageContaining("java, nd4j or auto");
  }

  @Test
  void expConcaveKeepsUAndItsInverseConsistent() {
    int d = 5;
    OnlineLearner ec = learner("oomd-ec", d, "domain=ball:0.5", "beta=1", "delta=2");
    java.util.SplittableRandom r = new java.util.SplittableRandom(8);
    for (int t = 0; t < 40; t++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = r.nextDouble(-2, 2);
      }
      ec.update(GradientVector.dense(g));
    }
    LearnerState s = ec.exportState();
    double[] u = s.array("U");
    double[] uInv = s.array("Uinv");
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double p = 0;
        for (int k = 0; k < d; k++) {
          p += u[i * d + k] * uInv[k * d + j];
        }
        assertThat(p).as("(U U⁻¹)[%d][%d]", i, j).isCloseTo(i == j ? 1 : 0, within(1e-9));
      }
    }
  }

  @Test
  void expConcaveRefusesAnUpdateThatWouldOverflowAndStaysAsItWas() {
    OnlineLearner ec = learner("oomd-ec", 2, "domain=ball:1", "beta=1");
    ec.update(GradientVector.dense(0.3, -0.2));
    LearnerState before = ec.exportState();
    double[] x = ec.decision().clone();
    assertThatThrownBy(() -> ec.update(GradientVector.dense(1e200, 0))).isInstanceOf(NonFiniteUpdateException.class);
    assertThat(ec.decision()).containsExactly(x);
    assertThat(ec.rounds()).isEqualTo(1);
    ExtremeInputsPropertyTest.assertSameState(ec.exportState(), before, "oomd-ec");
  }

  @Test
  void anAttachedLearnerUpdatesItsStateInPlaceAndComputesWhatACopyComputes() {
    int d = 7;
    LearnerConfig c = LearnerConfig.of("oomd-ec", "domain=ball:0.4", "beta=1");
    OnlineLearner copying = Learners.create(c, d);
    LearnerState state = Learners.create(c, d).exportState();
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int t = 0; t < 60; t++) {
      double[] g = new double[d];
      for (int i = 0; i < d; i++) {
        g[i] = r.nextDouble(-1, 1) + 0.4; // drifts to the boundary: projections happen
      }
      copying.update(GradientVector.dense(g));
      double[] uBefore = state.view("U");
      OnlineLearner attached = Learners.attach(c, d, state);
      attached.update(GradientVector.dense(g));
      LearnerState next = attached.exportState();
      assertThat(next.view("U")).isSameAs(uBefore); // no copies: the same arrays, changed in place
      assertThat(attached.decision()).containsExactly(copying.decision());
      state = next;
    }
    // refused: the attached state is untouched
    double[] uInv = state.array("Uinv");
    OnlineLearner attached = Learners.attach(c, d, state);
    assertThatThrownBy(() -> attached.update(GradientVector.dense(new double[] {1e300, 0, 0, 0, 0, 0, 0})))
        .isInstanceOf(NonFiniteUpdateException.class);
    assertThat(state.view("Uinv")).containsExactly(uInv);
  }

  @Test
  void withoutGOomdAndOgdStepByTheLargestGradientSeen() {
    // D = 2, delta = 1: eta_t = 2 / sqrt(1 + 4 max_{s<t}||g_s||² + V_{t-1}); round 1's step already knows g_1 (x_1 does not use it)
    OnlineLearner oomd = learner("oomd", 1, "domain=ball:1");
    oomd.update(GradientVector.dense(3));
    assertThat(oomd.exportState().array("xHat")[0]).isCloseTo(-3 * 2 / Math.sqrt(1 + 36), within(1e-15));
    assertThat(oomd.stepSize()).isCloseTo(2 / Math.sqrt(1 + 36 + 9), within(1e-15));
    oomd.update(GradientVector.dense(-5)); // larger: the next step shrinks
    assertThat(oomd.stepSize()).isCloseTo(2 / Math.sqrt(1 + 100 + 9 + 64), within(1e-15));
    // ogd: eta_t = D / (max_{s<=t}||g_s|| √t)
    OnlineLearner ogd = learner("ogd", 2, "domain=ball:10");
    ogd.update(GradientVector.dense(3, 4));
    assertThat(ogd.decision()).containsExactly(new double[] {-6, -8}, within(1e-12)); // eta_1 = 20/5: (−12, −16), projected
    ogd.update(GradientVector.dense(0, 1)); // smaller: G stays 5, eta_2 = 4/√2; (−6, −8 − 4/√2), projected again
    double y = -8 - 4 / Math.sqrt(2);
    assertThat(ogd.decision()[1]).isCloseTo(10 * y / Math.hypot(6, y), within(1e-12));
  }

  @Test
  void optimisticHedgeIsExponentialWeightsWithAHint() {
    OnlineLearner hedge = learner("opt-hedge", 2, "domain=simplex");
    assertThat(hedge.decision()).containsExactly(0.5, 0.5);
    hedge.update(GradientVector.dense(1, 0));
    // FTRL form: cumulative loss (1, 0), hint (1, 0), V = 1, eta2 = sqrt(ln2/2); x ∝ exp(−eta2·(L + M))
    double eta2 = Math.sqrt(Math.log(2) / 2);
    double a = Math.exp(-2 * eta2);
    assertThat(hedge.decision()[0]).isCloseTo(a / (a + 1), within(1e-15));
    assertThat(hedge.decision()[0] + hedge.decision()[1]).isCloseTo(1, within(1e-15));
    assertThatThrownBy(() -> learner("opt-hedge", 2)).hasMessageContaining("simplex");
  }

  @Test
  void adaGradScalesEachCoordinate() {
    OnlineLearner ada = learner("adagrad", 2, "domain=unconstrained:1", "eta=1");
    ada.update(GradientVector.dense(2, 0));
    assertThat(ada.decision()).containsExactly(-1, 0); // 1*2/sqrt(4)
    ada.update(GradientVector.dense(2, 1));
    assertThat(ada.decision()[0]).isCloseTo(-1 - 2 / Math.sqrt(8), within(1e-15));
    assertThat(ada.decision()[1]).isEqualTo(-1);
  }

  @Test
  void ftrlProximalFollowsMcMahanAlgorithmOne() {
    OnlineLearner ftrl = learner("ftrl", 2, "ftrl.alpha=0.5", "ftrl.beta=1", "l1=0.3", "l2=0.1");
    ftrl.update(GradientVector.dense(1, 0.2));
    // coordinate 0: sigma = (1 - 0)/0.5 = 2, z = 1 - 2*0 = 1, n = 1 -> w = -(1 - 0.3)/((1+1)/0.5 + 0.1)
    assertThat(ftrl.decision()[0]).isCloseTo(-0.7 / 4.1, within(1e-15));
    // coordinate 1: |z| = 0.2 <= l1 -> 0
    assertThat(ftrl.decision()[1]).isEqualTo(0);
  }

  @Test
  void ensembleOfOneStepIsOptimisticOgdWithThatStep() {
    OnlineLearner one = learner("ensemble", 1, "domain=ball:10", "N=1", "etaMin=0.5", "etaMax=0.5");
    one.update(GradientVector.dense(1)); // xHat = -0.5; x = xHat - 0.5*1
    assertThat(one.decision()).containsExactly(-1.0);
    DynamicOptimisticEnsemble grid = (DynamicOptimisticEnsemble) learner("ensemble", 3, "N=5", "etaMin=0.1", "etaMax=0.5");
    assertThat(grid.stepSizes()).containsExactly(0.1, 0.2, 0.4, 0.5, 0.5);
    assertThat(java.util.Arrays.stream(grid.metaWeights()).sum()).isCloseTo(1, within(1e-15));
  }

  @Test
  void unknownParametersAreRejected() {
    assertThatThrownBy(() -> LearnerConfig.of("oomd", "eta0=1")).hasMessageContaining("unknown learner parameter 'eta0'");
    assertThatThrownBy(() -> LearnerConfig.of("sgd")).hasMessageContaining("unknown algorithm 'sgd'");
  }
}
