package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Strategies and combiners by name, with the reference defaults. */
public final class Strategies {
  /** Component strategies available by name. */
  public static final List<String> NAMES = List.of("ubah", "best", "ucrp", "bcrp", "eg", "ons", "olmar1", "olmar2", "pamr", "pamr_1", "pamr_2",
      "cwmr_var", "cwmr_stdev", "rmr", "anticor", "anticor_anticor", "corn", "up");
  /** Combiners available by name. */
  public static final List<String> COMBINERS = List.of("bah", "universal", "accelerated", "eg");

  private Strategies() {}

  /**
   * A component strategy for m assets. {@code history} is the full data set, used only by the
   * hindsight benchmarks (best, bcrp).
   */
  public static PortfolioStrategy create(String name, int m, double[][] history) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "ubah":
        return new Ubah(m);
      case "best":
        return Best.of(history);
      case "ucrp":
        return new Ucrp(m);
      case "bcrp":
        return Bcrp.of(history);
      case "eg":
        return new ExponentiatedGradient(m, 0.05);
      case "ons":
        return new OnlineNewtonStep(m, 0, 1, 0.125);
      case "olmar1":
        return Olmar.movingAverage(m, 10, 5);
      case "olmar2":
        return Olmar.exponential(m, 10, 0.5);
      case "pamr":
        return new Pamr(m, Pamr.Variant.PAMR, 0.5, 500);
      case "pamr_1":
        return new Pamr(m, Pamr.Variant.PAMR_1, 0.5, 500);
      case "pamr_2":
        return new Pamr(m, Pamr.Variant.PAMR_2, 0.5, 500);
      case "anticor":
        return new Anticor(m, 30);
      case "corn":
        return new Corn(m, 5, 0.1);
      case "anticor_anticor":
        return new AnticorOfAnticors(m, 30);
      case "rmr":
        return new Rmr(m, 5, 5);
      case "cwmr_var":
        return new Cwmr(m, Cwmr.Variant.VAR, 2, 0.5);
      case "cwmr_stdev":
        return new Cwmr(m, Cwmr.Variant.STDEV, 2, 0.5);
      case "up":
        return UniversalPortfolio.withReferenceDefaults(m, 1);
      default:
        throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + NAMES);
    }
  }

  /** A combiner over fresh instances of {@code components}. */
  public static Combiner combiner(String name, List<String> components, int m, double[][] history) {
    List<PortfolioStrategy> parts = new ArrayList<>();
    for (String c : components) {
      parts.add(create(c, m, history));
    }
    switch (name.toLowerCase(Locale.ROOT)) {
      case "bah":
        return Combiner.buyAndHold(parts);
      case "universal":
        return Combiner.universal(parts, 1000, 1);
      case "accelerated":
        return Combiner.accelerated(parts, 1000, 16, 1);
      case "eg":
        return Combiner.eg(parts, 0.05);
      default:
        throw new IllegalArgumentException("unknown combiner '" + name + "'; known: " + COMBINERS);
    }
  }
}
