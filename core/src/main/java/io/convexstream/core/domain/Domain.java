package io.convexstream.core.domain;

/** A closed convex decision set with its Euclidean projection. */
public interface Domain {
  /** Replaces x by its Euclidean projection onto the set. */
  void project(double[] x);

  /**
   * Whether the projection acts on each coordinate alone (a box, all of ℝ^d): then an update that
   * moves some coordinates changes only those, and {@link #project(double[], int[])} suffices.
   */
  default boolean coordinatewise() {
    return false;
  }

  /** Projects after a change of the coordinates {@code indices} only; exact for {@link #coordinatewise()} domains. */
  default void project(double[] x, int[] indices) {
    project(x);
  }

  /** Euclidean diameter D in dimension dim (unconstrained: the configured reference scale). */
  double diameter(int dim);

  /** A minimiser over the set of ⟨c, u⟩, or null where it is unbounded: the best fixed point for linear losses Σ⟨g_t, u⟩. */
  double[] linearMinimizer(double[] c);

  /** A point of the set to start from. */
  double[] initialPoint(int dim);

  /**
   * Parses "ball:R", "box:LO:HI", "simplex" or "unconstrained:D" (the reference diameter used by
   * step sizes).
   */
  static Domain parse(String spec) {
    String[] p = spec.trim().split(":");
    switch (p[0]) {
      case "ball":
        return new L2Ball(p.length > 1 ? Double.parseDouble(p[1]) : 1.0);
      case "box":
        if (p.length != 3) {
          throw new IllegalArgumentException("box needs box:LO:HI, got " + spec);
        }
        return new Box(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
      case "simplex":
        return new ProbabilitySimplex();
      case "unconstrained":
        return new Unconstrained(p.length > 1 ? Double.parseDouble(p[1]) : 2.0);
      default:
        throw new IllegalArgumentException("unknown domain '" + spec + "' (ball:R, box:LO:HI, simplex, unconstrained:D)");
    }
  }
}
