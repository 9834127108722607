package io.convexstream.core.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RouterTest {
  @Test
  void selectsTopKOfBiasedScoresAndGatesWithUnbiasedOnes() {
    Router router = new Router(4, 2);
    float[] logits = {2f, 1f, 0f, -1f};
    Router.Selection plain = router.route(logits, 0, new float[4]);
    assertThat(plain.experts()).containsExactly(0, 1);
    // a bias moves expert 3 into the top 2, but its gate still uses its unbiased score
    Router.Selection biased = router.route(logits, 0, new float[] {0f, 0f, 0f, 0.9f});
    assertThat(biased.experts()).containsExactly(3, 0);
    double s0 = 1 / (1 + Math.exp(-2));
    double s3 = 1 / (1 + Math.exp(1));
    assertThat(biased.gates()[0]).isCloseTo((float) (s3 / (s0 + s3)), within(1e-6f));
    assertThat(biased.gates()[0] + biased.gates()[1]).isCloseTo(1f, within(1e-6f));
  }

  /**
   * Logits around −110 pass validation, but every selected sigmoid score underflows float to 0 and
   * the gates would be 0 / 0 = NaN. They are the same ratios, taken in the log domain.
   */
  @Test
  void gatesStayFiniteWhenEverySelectedScoreUnderflows() {
    for (Router.Scoring scoring : Router.Scoring.values()) {
      Router router = new Router(4, 2, scoring, 1, 1);
      float[] logits = {-110f, -111f, -150f, -200f};
      Router.Selection s = router.route(logits, 0, new float[4]);
      assertThat(s.experts()).containsExactly(0, 1);
      // σ(l) ≈ e^l there, and softmax ratios are e^(l_i − l_j): both give e / (1 + e) for the better expert
      assertThat(s.gates()[0]).as(scoring.name()).isCloseTo((float) (Math.E / (1 + Math.E)), within(1e-6f));
      assertThat(s.gates()[0] + s.gates()[1]).isCloseTo(1f, within(1e-6f));
    }
  }

  @Test
  void tiesGoToTheLowerExpert() {
    Router router = new Router(5, 2);
    long[] loads = new long[5];
    router.countLoads(new float[] {1f, 3f, 1f, 3f, 1f}, 1, new float[5], loads);
    assertThat(loads).containsExactly(0, 1, 0, 1, 0);
    loads = new long[5];
    router.countLoads(new float[] {0f, 0f, 0f, 0f, 0f}, 1, new float[5], loads);
    assertThat(loads).containsExactly(1, 1, 0, 0, 0);
  }

  @Test
  void groupLimitedRoutingKeepsTheGroupsWithTheBestTopTwo() {
    // 3 groups of 2 experts; group scores (sum of top-2 biased scores) pick groups 1 and 2,
    // so expert 0 with the single best score is not eligible
    Router router = new Router(6, 2, Router.Scoring.SIGMOID, 3, 2);
    float[] logits = {5f, -5f, 2f, 2f, 1.5f, 1.5f};
    Router.Selection sel = router.route(logits, 0, new float[6]);
    assertThat(sel.experts()).containsExactly(2, 3);
    Router plain = new Router(6, 2, Router.Scoring.SIGMOID, 1, 1);
    assertThat(plain.route(logits, 0, new float[6]).experts()).containsExactly(0, 2);
  }

  @Test
  void softmaxScoresSumToOne() {
    Router router = new Router(3, 3, Router.Scoring.SOFTMAX, 1, 1);
    Router.Selection sel = router.route(new float[] {0.1f, 0.2f, 0.3f}, 0, new float[3]);
    assertThat(sel.experts()).containsExactly(2, 1, 0);
  }
}
