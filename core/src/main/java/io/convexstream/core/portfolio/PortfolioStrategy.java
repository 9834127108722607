package io.convexstream.core.portfolio;

/**
 * An online portfolio selection strategy over m assets. Conventions (those of the OLPS benchmark):
 * b_1 is uniform, and b_{t+1} is computed from the price relatives x_1..x_t only.
 */
public interface PortfolioStrategy extends java.io.Serializable {
  String name();

  /** b_t, the weights for the coming period (non-negative, summing to 1; a live view). */
  double[] weights();

  /** Observes period t's price relatives x_t (x_{t,i} = p_{t,i}/p_{t−1,i}) and moves to b_{t+1}. */
  void observe(double[] x);

  /**
   * Observes x_t together with the realised net return s_t of the period (after transaction costs);
   * strategies whose update uses the realised return (PAMR) override this.
   */
  default void observe(double[] x, double realisedReturn) {
    observe(x);
  }
}
