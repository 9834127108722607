package io.convexstream.core.learn;

import io.convexstream.core.learn.LearnerConfig.Algorithm;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The hyper-parameters of the learners, each declared once: its type and valid range, the learners
 * that use it, its default per learner, and its meaning. {@link LearnerConfig} refuses a value out
 * of range or a parameter the chosen learner does not use; {@code convexstream options} and the
 * defaults table of docs/ALGORITHMS.md are written from here (a test keeps the table in step).
 * Where a default depends on the domain's diameter D or on another parameter, its constant is NaN:
 * {@link Learners} computes it, and {@link #defaultText} says how in words.
 */
public enum LearnerParameter {
  DOMAIN("domain", Kind.TEXT, "the feasible set: ball:R, box:LO:HI, simplex or unconstrained[:R] (ftrl: unconstrained only)",
      "ball:1", defaults(Double.NaN, Algorithm.values())),
  BACKEND("backend", Kind.TEXT, "where the d×d matrices live: java, nd4j, or auto (ND4J from d = "
      + LearnerConfig.ND4J_MIN_DIM + " when ND4J computes on a CUDA device)", "java",
      defaults(Double.NaN, Algorithm.EXP_CONCAVE_OMD)),
  G("G", Kind.POSITIVE, "a bound on the gradients' norm", "the largest gradient seen so far (scale-free); ensemble: 1",
      defaults(Double.NaN, Algorithm.OGD, Algorithm.OPTIMISTIC_OMD, Algorithm.DYNAMIC_ENSEMBLE)),
  DELTA("delta", Kind.POSITIVE, "the initial regulariser (oomd, opt-hedge: in the step size's denominator; oomd-ec: U₁ = δI,"
      + " δ ≥ 4L keeps the first steps stable on L-smooth losses)", null,
      Map.of(Algorithm.OPTIMISTIC_OMD, 1.0, Algorithm.OPTIMISTIC_HEDGE, 1.0, Algorithm.EXP_CONCAVE_OMD, 4.0)),
  LAMBDA("lambda", Kind.POSITIVE, "the losses' strong convexity λ", null, defaults(1.0, Algorithm.STRONGLY_CONVEX_OMD)),
  C("c", Kind.POSITIVE, "the step size's constant: η_t = c/(λt)", null, defaults(2.0, Algorithm.STRONGLY_CONVEX_OMD)),
  ALPHA("alpha", Kind.POSITIVE, "the losses' exp-concavity α", null, defaults(1.0, Algorithm.EXP_CONCAVE_OMD)),
  BETA("beta", Kind.POSITIVE, "the rate β of the matrix update U += (β/2)(g − M)(g − M)ᵀ", "alpha",
      defaults(Double.NaN, Algorithm.EXP_CONCAVE_OMD)),
  ETA("eta", Kind.POSITIVE, "the step size", "D/√2", defaults(Double.NaN, Algorithm.ADAGRAD)),
  FTRL_ALPHA("ftrl.alpha", Kind.POSITIVE, "the per-coordinate learning rate α", null, defaults(0.1, Algorithm.FTRL_PROXIMAL)),
  FTRL_BETA("ftrl.beta", Kind.NON_NEGATIVE, "the per-coordinate learning rate's offset β", null, defaults(1.0, Algorithm.FTRL_PROXIMAL)),
  L1("l1", Kind.NON_NEGATIVE, "L1 regularisation (sparse weights)", null, defaults(0.0, Algorithm.FTRL_PROXIMAL)),
  L2("l2", Kind.NON_NEGATIVE, "L2 regularisation", null, defaults(0.0, Algorithm.FTRL_PROXIMAL)),
  N("N", Kind.COUNT, "the number of base learners", "1+⌈log₂(etaMax/etaMin)⌉ (11 with the default range)",
      defaults(Double.NaN, Algorithm.DYNAMIC_ENSEMBLE)),
  ETA_MIN("etaMin", Kind.POSITIVE, "the smallest base step size", "D/(1000G)", defaults(Double.NaN, Algorithm.DYNAMIC_ENSEMBLE)),
  ETA_MAX("etaMax", Kind.POSITIVE, "the largest base step size", "D/G", defaults(Double.NaN, Algorithm.DYNAMIC_ENSEMBLE)),
  SWITCH_PENALTY("switchPenalty", Kind.NON_NEGATIVE, "the meta learner's cost of switching between base learners", "G/D",
      defaults(Double.NaN, Algorithm.DYNAMIC_ENSEMBLE));

  /** What values a parameter takes. */
  public enum Kind {
    TEXT("text"), POSITIVE("number > 0"), NON_NEGATIVE("number ≥ 0"), COUNT("integer ≥ 1");

    public final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  public final String key;
  public final Kind kind;
  public final String meaning;
  private final String defaultText;
  private final Map<Algorithm, Double> defaults;

  LearnerParameter(String key, Kind kind, String meaning, String defaultText, Map<Algorithm, Double> defaults) {
    this.key = key;
    this.kind = kind;
    this.meaning = meaning;
    this.defaultText = defaultText;
    this.defaults = new EnumMap<>(defaults); // in the learners' order, whatever map was given
  }

  private static Map<Algorithm, Double> defaults(double value, Algorithm... algorithms) {
    Map<Algorithm, Double> m = new LinkedHashMap<>();
    for (Algorithm a : algorithms) {
      m.put(a, value);
    }
    return m;
  }

  /** The learners that use it. */
  public Set<Algorithm> usedBy() {
    return defaults.isEmpty() ? Set.of() : EnumSet.copyOf(defaults.keySet());
  }

  /** Its constant default for {@code algorithm}, or NaN where the default is derived (or it is text). */
  public double defaultFor(Algorithm algorithm) {
    Double d = defaults.get(algorithm);
    if (d == null) {
      throw new IllegalArgumentException(key + " is not a parameter of " + algorithm.id);
    }
    return d;
  }

  /** The default in words, as docs/ALGORITHMS.md and {@code convexstream options} show it. */
  public String defaultText() {
    if (defaultText != null) {
      return defaultText;
    }
    Map<Double, String> byValue = new LinkedHashMap<>();
    defaults.forEach((a, v) -> byValue.merge(v, a.id, (x, y) -> x + ", " + y));
    return byValue.size() == 1 ? format(byValue.keySet().iterator().next())
        : byValue.entrySet().stream().map(e -> format(e.getKey()) + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
  }

  private static String format(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /** The learners that use it, by id. */
  public String usedByIds() {
    return usedBy().size() == Algorithm.values().length ? "every learner"
        : usedBy().stream().map(a -> a.id).collect(Collectors.joining(", "));
  }

  /** The table of every parameter as docs/ALGORITHMS.md shows it (a test keeps the two equal). */
  public static String markdownTable() {
    StringBuilder b = new StringBuilder("| parameter | type | default | used by | meaning |\n|---|---|---|---|---|\n");
    for (LearnerParameter p : values()) {
      b.append("| `").append(p.key).append("` | ").append(p.kind.description).append(" | ").append(p.defaultText())
          .append(" | ").append(p.usedByIds()).append(" | ").append(p.meaning).append(" |\n");
    }
    return b.toString();
  }

  /** The parameter named {@code key}, or an error naming the known ones. */
  public static LearnerParameter of(String key) {
    for (LearnerParameter p : values()) {
      if (p.key.equals(key)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown learner parameter '" + key + "'; known: "
        + Arrays.stream(values()).map(p -> p.key).collect(Collectors.joining(", ")));
  }

  /** Checks a value given for {@code algorithm}: used by it, of the right type and in range. */
  void check(Algorithm algorithm, String value) {
    if (!defaults.containsKey(algorithm)) {
      throw new IllegalArgumentException("learner parameter " + key + " is not used by " + algorithm.id + " (it would be ignored); "
          + "it is a parameter of " + usedByIds());
    }
    if (kind == Kind.TEXT) {
      return;
    }
    double d;
    try {
      d = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("learner parameter " + key + " must be a number, not '" + value + "'");
    }
    boolean ok = switch (kind) {
      case POSITIVE -> d > 0;
      case NON_NEGATIVE -> d >= 0;
      case COUNT -> d >= 1 && d == Math.rint(d);
      case TEXT -> true;
    };
    if (!Double.isFinite(d) || !ok) {
      throw new IllegalArgumentException("learner parameter " + key + " must be a finite " + kind.description + ", not '" + value + "'");
    }
  }
}
