package io.convexstream.core.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BookTest {
  @Test
  void aLongOnlyBookLeavesTheRelativesAlone() {
    double[] x = {1.1, 0.9};
    assertThat(Book.LONG_ONLY.relatives(x)).isSameAs(x);
    assertThat(Book.LONG_ONLY.assets(List.of("A", "B"))).containsExactly("A", "B");
    Trading t = Trading.costs(0.001);
    assertThat(Book.LONG_ONLY.scaled(t)).isSameAs(t);
  }

  @Test
  void aShortGainsWhatItsAssetLosesAndNeverMoreThanItsCollateral() {
    Book shorts = new Book(true, 1, 0);
    assertThat(shorts.assets(List.of("A", "B"))).containsExactly("A", "B", "-A", "-B");
    assertThat(shorts.relatives(new double[] {1.1, 0.9})).containsExactly(1.1, 0.9, 2 - 1.1, 2 - 0.9);
    assertThat(shorts.relatives(new double[] {2.5, 1.0})[2]).as("A more than doubled: the short is closed out").isEqualTo(Book.FLOOR);
    // half long, half short: market neutral, whatever A does
    double[] x = shorts.relatives(new double[] {1.3});
    assertThat(0.5 * x[0] + 0.5 * x[1]).isCloseTo(1.0, within(1e-15));
  }

  @Test
  void leverageMultipliesTheExposureAndPaysForTheLoan() {
    Book twice = new Book(false, 2, 0.001);
    double[] x = twice.relatives(new double[] {1.05, 0.97});
    assertThat(x[0]).isCloseTo(2 * 1.05 - 1.001, within(1e-15));
    assertThat(x[1]).isCloseTo(2 * 0.97 - 1.001, within(1e-15));
    assertThat(twice.relatives(new double[] {0.4})[0]).as("a margin call").isEqualTo(Book.FLOOR);
    Trading t = twice.scaled(new Trading(0.001, new double[] {0.0005, 0.002}, 1, 0));
    assertThat(t.costRate()).isEqualTo(0.002);
    assertThat(t.oneWay()).containsExactly(0.001, 0.004);
    assertThat(new Book(true, 2, 0).scaled(new Trading(0, new double[] {0.001, 0.002}, 1, 0)).oneWay())
        .as("a short pays its asset's rate").containsExactly(0.002, 0.004, 0.002, 0.004);
  }

  /**
   * Strategies run unchanged on the extended assets. UCRP holds each asset long and short alike, so
   * its book is market neutral: per period it earns 1 − r/2 whatever the market (the interest on the
   * half of its wealth it borrows for 1.5x), and the others stay finite and positive under costs.
   */
  @Test
  void strategiesRunUnchangedOnTheExtendedBook() throws Exception {
    double[][] x = PriceRelativesCsv.read(java.nio.file.Path.of("..", "data", "olps", "djia.csv")).relatives();
    Book book = new Book(true, 1.5, 0.0001);
    double[][] extended = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      extended[t] = book.relatives(x[t]);
    }
    Backtest.Result neutral = Backtest.run(Strategies.create("ucrp", extended[0].length, extended), extended, Trading.costs(0));
    assertThat(neutral.finalWealth()).isCloseTo(Math.pow(1 - 0.0001 / 2, x.length), within(1e-9));
    for (String name : List.of("ucrp", "eg", "ons", "olmar1", "pamr", "anticor")) {
      Backtest.Result r = Backtest.run(Strategies.create(name, extended[0].length, extended), extended, book.scaled(Trading.costs(0.001)));
      assertThat(r.finalWealth()).as(name).isFinite().isPositive();
    }
  }

  @Test
  void badBooksAreRefused() {
    assertThatThrownBy(() -> new Book(false, 0.5, 0)).hasMessageContaining("leverage");
    assertThatThrownBy(() -> new Book(false, 2, -0.01)).hasMessageContaining("borrowing");
  }
}
