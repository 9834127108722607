package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.L2Ball;
import io.convexstream.core.linalg.SquareMatrix;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A learner's algorithm and hyper-parameters, from {@code key=value} pairs: each key a {@link
 * LearnerParameter} the algorithm uses, its value checked against the parameter's type and range
 * here, not at the first record. The declarations there hold the defaults.
 */
public final class LearnerConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  /** From this dimension on, backend=auto keeps oomd-ec's matrices in ND4J when ND4J has a CUDA device. */
  public static final int ND4J_MIN_DIM = 1000;

  private final Map<String, String> values;
  // parsed once (a learner is rebuilt from its configuration for every record the operator applies);
  // rebuilt after deserialization; domains are immutable
  private transient Domain domain;
  private transient Map<LearnerParameter, Double> numbers;
  private transient Algorithm algorithm;

  private LearnerConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
    Algorithm algorithm = parsedAlgorithm();
    for (var e : values.entrySet()) {
      if (!e.getKey().equals("algorithm")) {
        LearnerParameter.of(e.getKey()).check(algorithm, e.getValue());
      }
    }
    domain();
    if (algorithm == Algorithm.FTRL_PROXIMAL && values.containsKey("domain")
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

  /** A learner written {@code ALGORITHM;KEY=VALUE;...}, as the jobs' options and the CLI take it. */
  public static LearnerConfig parse(String spec) {
    String[] parts = spec.split(";");
    return of(parts[0].trim(), Arrays.copyOfRange(parts, 1, parts.length));
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

  /** The value given for {@code p}, else its constant default for this algorithm (NaN where that is derived). */
  double number(LearnerParameter p) {
    return numberOr(p, p.defaultFor(parsedAlgorithm()));
  }

  /** The value given for {@code p}, else {@code derived}: a default computed from the domain or other parameters. */
  double numberOr(LearnerParameter p, double derived) {
    if (numbers == null) {
      Map<LearnerParameter, Double> parsed = new HashMap<>();
      values.forEach((k, v) -> {
        if (!k.equals("algorithm") && LearnerParameter.of(k).kind != LearnerParameter.Kind.TEXT) {
          parsed.put(LearnerParameter.of(k), Double.parseDouble(v)); // checked by the constructor
        }
      });
      numbers = parsed;
    }
    return numbers.getOrDefault(p, derived);
  }

  /** Where a learner of dimension {@code dim} keeps its matrices (only oomd-ec has any). */
  public SquareMatrix.Backend matrixBackend(int dim) {
    return SquareMatrix.Backend.choose(backend(), dim, ND4J_MIN_DIM);
  }

  public String backend() {
    return values.getOrDefault("backend", "java");
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
