package io.convexstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.validate.RecordChecks;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordChecksTest {
  private static Gradient g(long step, NumericVector v) {
    return new Gradient("m", step, "p", v, null, null, Instant.EPOCH);
  }

  @Test
  void acceptsDenseAndSparse() {
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(2, null, List.of(1.0, 2.0))))).isNull();
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(9, List.of(0, 8), List.of(1.0, 2.0))))).isNull();
  }

  @Test
  void namesEachProblem() {
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(3, null, List.of(1.0, 2.0)))))
        .isEqualTo("gradient is dense with 2 values but dimension 3");
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(2, null, List.of(1.0, Double.NaN)))))
        .isEqualTo("gradient has non-finite value NaN at position 1");
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(2, null, List.of(Double.POSITIVE_INFINITY, 0.0)))))
        .contains("non-finite value Infinity");
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(4, List.of(2, 1), List.of(1.0, 1.0)))))
        .contains("not strictly increasing");
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(4, List.of(4), List.of(1.0)))))
        .contains("outside dimension 4");
    assertThat(RecordChecks.gradientProblem(g(0, new NumericVector(1, null, List.of(1.0)))))
        .isEqualTo("step 0 is not positive");
    assertThat(RecordChecks.gradientProblem(g(1, new NumericVector(0, null, List.of()))))
        .contains("invalid dimension 0");
  }
}
