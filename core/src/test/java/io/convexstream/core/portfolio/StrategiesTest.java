package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Strategies by name, with their reference defaults or chosen parameters. */
class StrategiesTest {
  private static double[] run(PortfolioStrategy s, double[][] relatives) {
    for (double[] x : relatives) {
      double r = 0;
      double[] b = s.weights();
      for (int i = 0; i < x.length; i++) {
        r += b[i] * x[i];
      }
      s.observe(x, r);
    }
    return s.weights();
  }

  private static final double[][] MARKET = market(30);

  private static double[][] market(int periods) {
    java.util.Random r = new java.util.Random(7);
    double[][] x = new double[periods][3];
    for (double[] row : x) {
      for (int i = 0; i < row.length; i++) {
        row[i] = 1 + 0.05 * r.nextGaussian();
      }
    }
    return x;
  }

  @Test
  void theDefaultsAreTheReferenceParametersAndOverridesChangeTheStrategy() {
    assertThat(run(Strategies.create("olmar1", 3, null, Map.of("epsilon", 10.0, "window", 5.0)), MARKET))
        .containsExactly(run(Strategies.create("olmar1", 3, null), MARKET));
    assertThat(run(Strategies.create("olmar1", 3, null, Map.of("window", 2.0, "epsilon", 1.05)), MARKET))
        .isNotEqualTo(run(Strategies.create("olmar1", 3, null), MARKET));
    assertThat(run(Strategies.create("eg", 3, null, Map.of("eta", 0.5)), MARKET))
        .isNotEqualTo(run(Strategies.create("eg", 3, null), MARKET));
    assertThat(Strategies.parameters("pamr", Map.of("C", 10.0))).containsEntry("C", 10.0).containsEntry("epsilon", 0.5);
    assertThat(Strategies.parameters("ucrp", Map.of())).isEmpty();
  }

  @Test
  void unknownParametersAndBadValuesAreRefused() {
    assertThatThrownBy(() -> Strategies.parameters("eg", Map.of("gamma", 1.0)))
        .hasMessage("strategy eg has no parameter 'gamma'; its parameters: [eta]");
    assertThatThrownBy(() -> Strategies.parameters("olmar1", Map.of("window", 2.5))).hasMessage("parameter window of olmar1 cannot be 2.5");
    assertThatThrownBy(() -> Strategies.parameters("cwmr", Map.of())).hasMessageStartingWith("unknown strategy 'cwmr'");
    assertThat(Strategies.PARAMETERS.keySet()).allMatch(Strategies.NAMES::contains);
  }
}
