package io.convexstream.core.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.core.learn.LearnerConfig.Algorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LearnerParameterTest {
  @Test
  void aParameterTheLearnerDoesNotUseIsRefusedNamingTheLearnersThatDo() {
    assertThatThrownBy(() -> LearnerConfig.of("oomd", "eta=0.5"))
        .hasMessage("learner parameter eta is not used by oomd (it would be ignored); it is a parameter of adagrad");
    assertThatThrownBy(() -> LearnerConfig.of("ftrl", "G=2")).hasMessageContaining("it is a parameter of ogd, oomd, ensemble");
    assertThatThrownBy(() -> LearnerConfig.of("oomd", "backend=auto")).hasMessageContaining("it is a parameter of oomd-ec");
    assertThatThrownBy(() -> LearnerConfig.of("oomd", "eta0=1")).hasMessageStartingWith("unknown learner parameter 'eta0'; known: domain,");
  }

  @Test
  void valuesAreCheckedAgainstTheirTypeAndRange() {
    assertThatThrownBy(() -> LearnerConfig.of("adagrad", "eta=-1")).hasMessage("learner parameter eta must be a finite number > 0, not '-1'");
    assertThatThrownBy(() -> LearnerConfig.of("ftrl", "l1=NaN")).hasMessageContaining("l1 must be a finite number ≥ 0");
    assertThatThrownBy(() -> LearnerConfig.of("ensemble", "N=2.5")).hasMessageContaining("N must be a finite integer ≥ 1");
    assertThatThrownBy(() -> LearnerConfig.of("oomd", "delta=abc")).hasMessage("learner parameter delta must be a number, not 'abc'");
    assertThat(LearnerConfig.of("ftrl", "l1=0", "ftrl.beta=0")).isNotNull();
  }

  @Test
  void everyLearnerHasAConstantOrADerivedDefaultForEachOfItsParameters() {
    for (LearnerParameter p : LearnerParameter.values()) {
      assertThat(p.usedBy()).as(p.key).isNotEmpty();
      for (Algorithm a : p.usedBy()) {
        double d = p.defaultFor(a);
        assertThat(Double.isNaN(d) ? p.defaultText() : String.valueOf(d)).as(p.key + " of " + a.id).isNotBlank();
      }
    }
    assertThat(LearnerParameter.DELTA.defaultFor(Algorithm.EXP_CONCAVE_OMD)).isEqualTo(4.0);
    assertThat(LearnerParameter.DELTA.defaultText()).isEqualTo("1 (oomd, opt-hedge), 4 (oomd-ec)");
  }

  @Test
  void aGivenDefaultChangesNothing() {
    double[] g = {0.3, -0.4, 0.1};
    LearnerConfig implicit = LearnerConfig.of("oomd-ec");
    LearnerConfig explicit = LearnerConfig.of("oomd-ec", "delta=4", "alpha=1", "beta=1", "backend=java", "domain=ball:1");
    OnlineLearner a = Learners.create(implicit, 3);
    OnlineLearner b = Learners.create(explicit, 3);
    for (int t = 0; t < 5; t++) {
      a.update(io.convexstream.core.linalg.GradientVector.dense(g));
      b.update(io.convexstream.core.linalg.GradientVector.dense(g));
      assertThat(a.decision()).containsExactly(b.decision());
    }
  }

  @Test
  void theDocsTableIsTheDeclarations() throws IOException {
    String docs = Files.readString(Path.of("..", "docs", "ALGORITHMS.md"));
    assertThat(docs).as("docs/ALGORITHMS.md holds LearnerParameter.markdownTable(); paste it from here:%n%s",
        LearnerParameter.markdownTable()).contains(LearnerParameter.markdownTable());
  }
}
