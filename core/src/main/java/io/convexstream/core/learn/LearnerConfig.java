package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.L2Ball;
import io.convexstream.core.linalg.SquareMatrix;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A learner's algorithm and hyper-parameters, from {@code key=value} pairs. Defaults (documented in
 * docs/ALGORITHMS.md): domain ball:1, G=1 (oomd and ogd without G: the largest gradient seen), delta=1 (4 for oomd-ec), lambda=1, c=2, alpha=1, beta=alpha,
 * eta (AdaGrad) = D/√2, ftrl.alpha=0.1, ftrl.beta=1, l1=l2=0, N=1+⌈log₂(etaMax/etaMin)⌉ (11), etaMin=D/(1000G),
 * etaMax=D/G, switchPenalty=G/D, backend=java (where oomd-ec keeps its d×d matrices: java, nd4j, or
 * auto = ND4J from d = {@value #ND4J_MIN_DIM} when ND4J computes on a CUDA device, else plain Java).
 */
public final class LearnerConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The hyper-parameters a learner takes besides its algorithm (the numeric ones and these three). */
  public static final java.util.List<String> PARAMETERS = java.util.List.of("domain", "backend", "G", "delta", "lambda", "c", "alpha",
      "beta", "eta", "ftrl.alpha", "ftrl.beta", "l1", "l2", "N", "etaMin", "etaMax", "switchPenalty");
  private static final Set<String> TEXT = Set.of("algorithm", "domain", "backend");
  /** From this dimension on, backend=auto keeps oomd-ec's matrices in ND4J when ND4J has a CUDA device. */
  public static final int ND4J_MIN_DIM = 1000;

  private final Map<String, String> values;
  // parsed once (a learner is rebuilt from its configuration for every record the operator applies);
  // rebuilt after deserialization; domains are immutable
  private transient Domain domain;
  private transient Map<String, Double> numbers;
  private transient Algorithm algorithm;

  private LearnerConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
    for (String k : values.keySet()) {
      if (!k.equals("algorithm") && !PARAMETERS.contains(k)) {
        throw new IllegalArgumentException("unknown learner parameter '" + k + "'; known: " + PARAMETERS);
      }
      if (!TEXT.contains(k)) { // checked here, not at the first record
        double d;
        try {
          d = Double.parseDouble(values.get(k));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("learner parameter " + k + " must be a number, not '" + values.get(k) + "'");
        }
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException(k + " must be finite");
        }
      }
    }
    parsedAlgorithm();
    domain();
    if (parsedAlgorithm() == Algorithm.FTRL_PROXIMAL && values.containsKey("domain")
        && !(domain() instanceof io.convexstream.core.domain.Unconstrained)) {
      // FTRL-Proximal's regularisers (l1, l2) take the place of a domain: refuse what would be ignored
      throw new IllegalArgumentException("ftrl is unconstrained (l1 and l2 regularise it); domain " + values.get("domain")
          + " would be ignored: leave learner.domain out, or use adagrad or ogd on a box");
    }
    matrixBackend(1);
  }

  public static LearnerConfig of(String algorithm, String... keyValues) {
    Map<String, String> m = new HashMap<>();
    m.put("algorithm", algorithm);
    for (String kv : keyValues) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
      }
      m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return new LearnerConfig(m);
  }

  public LearnerConfig with(String key, String value) {
    Map<String, String> m = new HashMap<>(values);
    m.put(key, value);
    return new LearnerConfig(m);
  }

  public String algorithm() {
    return values.getOrDefault("algorithm", Algorithm.OPTIMISTIC_OMD.id);
  }

  public Domain domain() {
    if (domain == null) {
      domain = values.containsKey("domain") ? Domain.parse(values.get("domain")) : new L2Ball(1.0);
    }
    return domain;
  }

  /** The algorithm, parsed. */
  Algorithm parsedAlgorithm() {
    if (algorithm == null) {
      algorithm = Algorithm.parse(algorithm());
    }
    return algorithm;
  }

  double number(String key, double orElse) {
    if (numbers == null) {
      Map<String, Double> parsed = new HashMap<>();
      values.forEach((k, v) -> {
        if (!TEXT.contains(k)) {
          parsed.put(k, Double.parseDouble(v)); // checked by the constructor
        }
      });
      numbers = parsed;
    }
    return numbers.getOrDefault(key, orElse);
  }

  /** Where a learner of dimension {@code dim} keeps its matrices (only oomd-ec has any). */
  public SquareMatrix.Backend matrixBackend(int dim) {
    return SquareMatrix.Backend.choose(backend(), dim, ND4J_MIN_DIM);
  }

  public String backend() {
    return values.getOrDefault("backend", "java");
  }

  double gradientBound() {
    return number("G", 1.0);
  }

  double delta() {
    return number("delta", 1.0);
  }

  @Override
  public String toString() {
    return values.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LearnerConfig c && c.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** The algorithms, by id. */
  public enum Algorithm {
    OGD("ogd"),
    OPTIMISTIC_OMD("oomd"),
    STRONGLY_CONVEX_OMD("oomd-sc"),
    EXP_CONCAVE_OMD("oomd-ec"),
    OPTIMISTIC_HEDGE("opt-hedge"),
    DYNAMIC_ENSEMBLE("ensemble"),
    ADAGRAD("adagrad"),
    FTRL_PROXIMAL("ftrl");

    public final String id;

    Algorithm(String id) {
      this.id = id;
    }

    public static Algorithm parse(String id) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) {
          return a;
        }
      }
      throw new IllegalArgumentException("unknown algorithm '" + id + "'; known: ogd, oomd, oomd-sc, oomd-ec, opt-hedge, ensemble, adagrad, ftrl");
    }
  }
}
