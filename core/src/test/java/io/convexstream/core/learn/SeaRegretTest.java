package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.synthetic.SeaStream.Path;
import io.convexstream.core.synthetic.SeaStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour the SEA-model theory predicts, on exact synthetic streams
 * f_t(x) = (a/2)||x − c_t||² + ⟨ξ_t, x⟩ (d = 10, a = 1, learners on the unit ball, G = 3).
 * Deterministic: fixed seeds.
 */
class SeaRegretTest {
  private static final int D = 10;
  private static final int T = 16000;

  /** Regret against the best fixed point at rounds T/16, T/4, T, and dynamic regret Σ f_t(x_t) − f_t(c_t) at T. */
  record Run(double atT16, double atT4, double atT, double dynamic, double sigma2, double bigSigma2) {}

  static Run run(String algorithm, Path path, double pathParameter, double noise, String... params) {
    List<String> kv = new ArrayList<>(List.of("domain=ball:1"));
    if (LearnerParameter.G.usedBy().contains(LearnerConfig.Algorithm.parse(algorithm))) {
      kv.add("G=3");
    }
    kv.addAll(List.of(params));
    OnlineLearner learner = Learners.create(LearnerConfig.of(algorithm, kv.toArray(String[]::new)), D);
    SeaStream sea = new SeaStream(D, 1.0, noise, path, pathParameter, 1.0, 7);
    SeaStream.Regret regret = new SeaStream.Regret(D, 1.0);
    double dynamic = 0;
    double r16 = 0;
    double r4 = 0;
    for (int t = 1; t <= T; t++) {
      SeaStream.Loss f = sea.next();
      double[] x = learner.decision().clone();
      regret.add(f, x);
      double[] c = f.centre();
      for (int i = 0; i < D; i++) {
        dynamic += 0.5 * (x[i] - c[i]) * (x[i] - c[i]);
      }
      learner.update(GradientVector.dense(f.gradient(x)));
      if (t == T / 16) {
        r16 = regret.value();
      } else if (t == T / 4) {
        r4 = regret.value();
      }
    }
    return new Run(r16, r4, regret.value(), dynamic, sea.stochasticVariance(), sea.adversarialVariation());
  }

  @Test
  void optimisticOmdRegretIsNearConstantWithoutNoiseOrDrift() {
    Run r = run("oomd", Path.FIXED, 0, 0.0);
    assertThat(r.atT()).isLessThan(0.5);
    assertThat(r.atT() - r.atT16()).isLessThan(0.01);
  }

  @Test
  void optimisticOmdRegretIsBoundedBySqrtOfStochasticAndAdversarialVariation() {
    for (double s : new double[] {0.05, 0.5, 1.0}) {
      for (Path path : Path.values()) {
        double p = path == Path.SWITCHING ? 500 : path == Path.FIXED ? 0 : 0.01;
        Run r = run("oomd", path, p, s);
        double bound = 2 * (Math.sqrt(r.sigma2()) + Math.sqrt(r.bigSigma2())) + 1;
        assertThat(r.atT()).as("regret, s=%s, %s", s, path).isLessThan(bound);
      }
    }
    // and it scales with σ: ten times the noise, about ten times the regret (√σ²_{1:T} ∝ s)
    double ratio = run("oomd", Path.FIXED, 0, 0.5).atT() / run("oomd", Path.FIXED, 0, 0.05).atT();
    assertThat(ratio).isBetween(5.0, 20.0);
  }

  @Test
  void optimisticOmdTracksAMovingOptimumFarBetterThanOgd() {
    for (Path path : new Path[] {Path.SWITCHING, Path.RANDOM_WALK, Path.SPARSE_CORRUPTION}) {
      double p = path == Path.SWITCHING ? 500 : 0.01;
      Run oomd = run("oomd", path, p, 0.05);
      Run ogd = run("ogd", path, p, 0.05);
      // OGD's step decays as 1/√t whatever happens; OOMD's only as the gradients become unpredictable
      assertThat(oomd.dynamic()).as("%s", path).isLessThan(ogd.dynamic() / 3);
    }
  }

  @Test
  void stronglyConvexVariantReachesLogarithmicRegret() {
    Run sc = run("oomd-sc", Path.FIXED, 0, 0.5, "lambda=1", "c=2");
    Run ogd = run("ogd", Path.FIXED, 0, 0.5);
    // equal increments per 4x rounds = log T growth; OGD's increments double (√T)
    assertThat(sc.atT() - sc.atT4()).isLessThan(1.5 * (sc.atT4() - sc.atT16()) + 0.05);
    assertThat(ogd.atT() / ogd.atT16()).isGreaterThan(3.0);
    assertThat(sc.atT()).isLessThan(ogd.atT() / 2);
  }

  @Test
  void expConcaveVariantReachesLogarithmicRegret() {
    Run ec = run("oomd-ec", Path.FIXED, 0, 1.0, "beta=1", "delta=4");
    Run ogd = run("ogd", Path.FIXED, 0, 1.0);
    assertThat(ec.atT() - ec.atT4()).isLessThan(1.5 * (ec.atT4() - ec.atT16()));
    assertThat(ec.atT() / ec.atT16()).isLessThan(2.0);
    assertThat(ogd.atT() / ogd.atT16()).isGreaterThan(3.0);
    assertThat(ec.atT()).isLessThan(ogd.atT());
  }

  @Test
  void dynamicEnsembleTracksAboutAsWellAsTheBestFixedStepWithoutKnowingIt() {
    double[] etas = new double[11];
    for (int i = 0; i < etas.length; i++) {
      etas[i] = Math.min(2.0 / 3, 2.0 / 3000 * Math.pow(2, i)); // the ensemble's default grid here: up to etaMax = D/G
    }
    Object[][] scenarios = {
        {Path.SWITCHING, 500.0, 0.05}, {Path.SWITCHING, 500.0, 0.5}, {Path.RANDOM_WALK, 0.01, 0.05},
        {Path.RANDOM_WALK, 0.01, 0.5}, {Path.SPARSE_CORRUPTION, 0.01, 0.05}};
    double[] worstRatioOfFixedStep = new double[etas.length];
    for (Object[] s : scenarios) {
      Path path = (Path) s[0];
      double p = (Double) s[1];
      double noise = (Double) s[2];
      double ensemble = run("ensemble", path, p, noise).dynamic();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < etas.length; i++) {
        double fixed = run("ensemble", path, p, noise, "N=1", "etaMin=" + etas[i], "etaMax=" + etas[i]).dynamic();
        best = Math.min(best, fixed);
        worstRatioOfFixedStep[i] = Math.max(worstRatioOfFixedStep[i], fixed / ensemble);
      }
      assertThat(ensemble).as("%s s=%s", path, noise).isLessThan(2 * best + 10);
      assertThat(ensemble).isLessThan(run("ogd", path, p, noise).dynamic());
    }
    // every single fixed step is at least twice as bad as the ensemble somewhere
    for (int i = 0; i < etas.length; i++) {
      assertThat(worstRatioOfFixedStep[i]).as("eta=%s", etas[i]).isGreaterThan(2.0);
    }
  }

  @Test
  void ensembleKeepsAwayFromTheUnstableTopOfItsGrid() {
    // curvature a = 4 (L = 4): the two-step optimistic update is unstable for η ≥ 2/(3L) = 1/6, and the default
    // grid reaches etaMax = D/G = 2/3; the meta learner must not follow those steps
    double unstable = 0;
    double best = Double.MAX_VALUE;
    double ensemble = 0;
    for (Path path : new Path[] {Path.SWITCHING, Path.RANDOM_WALK}) {
      double p = path == Path.SWITCHING ? 500 : 0.01;
      ensemble = runCurved("ensemble", path, p);
      unstable = runCurved("ensemble", path, p, "N=1", "etaMin=0.6666666666666666", "etaMax=0.6666666666666666");
      best = Double.MAX_VALUE;
      for (int i = 0; i < 11; i++) {
        double eta = Math.min(2.0 / 3, 2.0 / 3000 * Math.pow(2, i));
        best = Math.min(best, runCurved("ensemble", path, p, "N=1", "etaMin=" + eta, "etaMax=" + eta));
      }
      assertThat(unstable).as("%s: the top step alone", path).isGreaterThan(20 * best);
      assertThat(ensemble).as("%s", path).isLessThan(2 * best + 10);
    }
  }

  private static double runCurved(String algorithm, Path path, double pathParameter, String... params) {
    List<String> kv = new ArrayList<>(List.of("domain=ball:1"));
    if (LearnerParameter.G.usedBy().contains(LearnerConfig.Algorithm.parse(algorithm))) {
      kv.add("G=3");
    }
    kv.addAll(List.of(params));
    OnlineLearner learner = Learners.create(LearnerConfig.of(algorithm, kv.toArray(String[]::new)), D);
    SeaStream sea = new SeaStream(D, 4.0, 0.05, path, pathParameter, 1.0, 7);
    double dynamic = 0;
    for (int t = 1; t <= T / 4; t++) {
      SeaStream.Loss f = sea.next();
      double[] x = learner.decision();
      double[] c = f.centre();
      for (int i = 0; i < D; i++) {
        dynamic += 2 * (x[i] - c[i]) * (x[i] - c[i]);
      }
      learner.update(GradientVector.dense(f.gradient(x)));
    }
    return dynamic;
  }

  @Test
  void withoutAGradientBoundOomdAndOgdUseTheLargestGradientSeen() {
    // over curvatures 0.05…16 (gradients from ~0.05 to ~30) the scale-free default stays within a small factor of
    // the learner given the true bound G = 1.8a + 0.5; the old fixed default G = 1 is off by 10³ at a = 16 (ogd)
    boolean fixedDefaultFailsSomewhere = false;
    for (double curvature : new double[] {0.05, 1, 4, 16}) {
      double right = 1.8 * curvature + 0.5; // a·(||x|| + ||c||) plus noise
      for (String algorithm : new String[] {"oomd", "ogd"}) {
        double known = staticRegret(algorithm, curvature, "G=" + right);
        assertThat(staticRegret(algorithm, curvature)).as("%s, a=%s", algorithm, curvature).isLessThan(6 * known + 1);
        fixedDefaultFailsSomewhere |= staticRegret(algorithm, curvature, "G=1") > 6 * known + 1;
      }
    }
    assertThat(fixedDefaultFailsSomewhere).isTrue();
  }

  private static double staticRegret(String algorithm, double curvature, String... params) {
    return regrets(algorithm, curvature, 0.05, new int[] {T / 4}, params)[0];
  }

  @Test
  void expConcaveDefaultBetaIsLogarithmicWhereTheTheorySafeOneIsNot() {
    // increments of regret over T/16..T/4 and T/4..T: equal for log T, doubling for √T
    int[] at = {T / 16, T / 4, T};
    for (double curvature : new double[] {0.05, 1, 4}) {
      double[] r = regrets("oomd-ec", curvature, 0.5, at);
      assertThat((r[2] - r[1]) / (r[1] - r[0])).as("a=%s", curvature).isLessThan(1.3);
    }
    double g = 1.8 + 0.5; // the true bound at a = 1, which the theory-safe β = ½·min(1/(4GD), α) needs
    double[] safe = regrets("oomd-ec", 1, 0.5, at, "beta=" + 0.5 * Math.min(1 / (4 * g * 2), 1));
    double[] byDefault = regrets("oomd-ec", 1, 0.5, at);
    assertThat((safe[2] - safe[1]) / (safe[1] - safe[0])).isGreaterThan(1.5);
    assertThat(byDefault[2]).isLessThan(safe[2] / 5);
  }

  /** Static regret after each number of rounds in {@code at} (ascending) on the fixed-centre stream of this curvature and noise. */
  private static double[] regrets(String algorithm, double curvature, double noise, int[] at, String... params) {
    List<String> kv = new ArrayList<>(List.of("domain=ball:1"));
    kv.addAll(List.of(params));
    OnlineLearner learner = Learners.create(LearnerConfig.of(algorithm, kv.toArray(String[]::new)), D);
    SeaStream sea = new SeaStream(D, curvature, noise, Path.FIXED, 0, 1.0, 7);
    SeaStream.Regret regret = new SeaStream.Regret(D, 1.0);
    double[] out = new double[at.length];
    for (int t = 1, k = 0; k < at.length; t++) {
      SeaStream.Loss f = sea.next();
      double[] x = learner.decision().clone();
      regret.add(f, x);
      learner.update(GradientVector.dense(f.gradient(x)));
      if (t == at[k]) {
        out[k++] = regret.value();
      }
    }
    return out;
  }
}
