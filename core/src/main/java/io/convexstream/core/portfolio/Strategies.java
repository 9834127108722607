package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Strategies and combiners by name, with the reference defaults. */
public final class Strategies {
  /** Component strategies available by name. */
  public static final List<String> NAMES = List.of("ubah", "best", "ucrp", "bcrp", "eg", "ons", "olmar1", "olmar2", "pamr", "pamr_1", "pamr_2",
      "cwmr_var", "cwmr_stdev", "rmr", "anticor", "anticor_anticor", "corn", "up");
  /** Combiners available by name. */
  public static final List<String> COMBINERS = List.of("bah", "universal", "accelerated", "eg");

  /** Each strategy's tunable parameters with their reference defaults (the OLPS toolbox's); the others have none. */
  public static final Map<String, Map<String, Double>> PARAMETERS = parameters();

  private static Map<String, Map<String, Double>> parameters() {
    Map<String, Map<String, Double>> p = new LinkedHashMap<>();
    p.put("eg", Map.of("eta", 0.05));
    p.put("ons", Map.of("eta", 0.0, "beta", 1.0, "delta", 0.125));
    p.put("olmar1", Map.of("epsilon", 10.0, "window", 5.0));
    p.put("olmar2", Map.of("epsilon", 10.0, "alpha", 0.5));
    for (String pamr : List.of("pamr", "pamr_1", "pamr_2")) {
      p.put(pamr, Map.of("epsilon", 0.5, "C", 500.0));
    }
    p.put("anticor", Map.of("window", 30.0));
    p.put("anticor_anticor", Map.of("window", 30.0));
    p.put("corn", Map.of("window", 5.0, "rho", 0.1));
    p.put("rmr", Map.of("epsilon", 5.0, "window", 5.0));
    p.put("cwmr_var", Map.of("phi", 2.0, "epsilon", 0.5));
    p.put("cwmr_stdev", Map.of("phi", 2.0, "epsilon", 0.5));
    return Map.copyOf(p);
  }

  private Strategies() {}

  /**
   * The parameters of strategy {@code name}: its defaults with {@code overrides} applied; an
   * unknown strategy or parameter, or a window that is not a positive whole number, is an error.
   */
  public static Map<String, Double> parameters(String name, Map<String, Double> overrides) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + NAMES);
    }
    Map<String, Double> defaults = PARAMETERS.getOrDefault(name, Map.of());
    Map<String, Double> p = new LinkedHashMap<>(defaults);
    overrides.forEach((k, v) -> {
      if (!defaults.containsKey(k)) {
        throw new IllegalArgumentException("strategy " + name + " has no parameter '" + k + "'; its parameters: " + defaults.keySet());
      }
      if (!Double.isFinite(v) || k.equals("window") && (v < 1 || v != Math.rint(v))) {
        throw new IllegalArgumentException("parameter " + k + " of " + name + " cannot be " + v);
      }
      p.put(k, v);
    });
    return p;
  }

  public static PortfolioStrategy create(String name, int m, double[][] history) {
    return create(name, m, history, Map.of());
  }

  /**
   * A component strategy for m assets. {@code history} is the full data set, used only by the
   * hindsight benchmarks (best, bcrp).
   */
  public static PortfolioStrategy create(String name, int m, double[][] history, Map<String, Double> overrides) {
    String id = name.toLowerCase(Locale.ROOT);
    Map<String, Double> p = NAMES.contains(id) ? parameters(id, overrides) : Map.of();
    switch (id) {
      case "ubah":
        return new Ubah(m);
      case "best":
        return Best.of(history);
      case "ucrp":
        return new Ucrp(m);
      case "bcrp":
        return Bcrp.of(history);
      case "eg":
        return new ExponentiatedGradient(m, p.get("eta"));
      case "ons":
        return new OnlineNewtonStep(m, p.get("eta"), p.get("beta"), p.get("delta"));
      case "olmar1":
        return Olmar.movingAverage(m, p.get("epsilon"), whole(p, "window"));
      case "olmar2":
        return Olmar.exponential(m, p.get("epsilon"), p.get("alpha"));
      case "pamr":
        return new Pamr(m, Pamr.Variant.PAMR, p.get("epsilon"), p.get("C"));
      case "pamr_1":
        return new Pamr(m, Pamr.Variant.PAMR_1, p.get("epsilon"), p.get("C"));
      case "pamr_2":
        return new Pamr(m, Pamr.Variant.PAMR_2, p.get("epsilon"), p.get("C"));
      case "anticor":
        return new Anticor(m, whole(p, "window"));
      case "corn":
        return new Corn(m, whole(p, "window"), p.get("rho"));
      case "anticor_anticor":
        return new AnticorOfAnticors(m, whole(p, "window"));
      case "rmr":
        return new Rmr(m, p.get("epsilon"), whole(p, "window"));
      case "cwmr_var":
        return new Cwmr(m, Cwmr.Variant.VAR, p.get("phi"), p.get("epsilon"));
      case "cwmr_stdev":
        return new Cwmr(m, Cwmr.Variant.STDEV, p.get("phi"), p.get("epsilon"));
      case "up":
        return UniversalPortfolio.withReferenceDefaults(m, 1);
      default:
        throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + NAMES);
    }
  }

  private static int whole(Map<String, Double> p, String key) {
    return (int) Math.rint(p.get(key));
  }

  /** A combiner over fresh instances of {@code components}, each followed at {@code costRate} (see {@link Combiner}). */
  public static Combiner combiner(String name, List<String> components, int m, double[][] history, double costRate) {
    return combiner(name, components, m, history, Map.of(), Trading.costs(costRate));
  }

  /** A combiner over fresh instances of {@code components}, each with its parameter overrides (by strategy name), trading by {@code trading}. */
  public static Combiner combiner(String name, List<String> components, int m, double[][] history,
      Map<String, Map<String, Double>> overrides, Trading trading) {
    List<PortfolioStrategy> parts = new ArrayList<>();
    for (String c : components) {
      parts.add(create(c, m, history, overrides.getOrDefault(c, Map.of())));
    }
    switch (name.toLowerCase(Locale.ROOT)) {
      case "bah":
        return Combiner.buyAndHold(parts, trading);
      case "universal":
        return Combiner.universal(parts, 1000, 1, trading);
      case "accelerated":
        return Combiner.accelerated(parts, 1000, 16, 1, trading);
      case "eg":
        return Combiner.eg(parts, 0.05, trading);
      default:
        throw new IllegalArgumentException("unknown combiner '" + name + "'; known: " + COMBINERS);
    }
  }
}
