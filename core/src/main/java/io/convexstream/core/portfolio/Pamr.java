package io.convexstream.core.portfolio;

/**
 * Passive-aggressive mean reversion (Li, Zhao, Hoi, Gopalkrishnan 2012): with loss
 * ℓ = max(0, b·x − ε) and x̄ the mean relative, b ← Π(b − τ(x − x̄·1)) where
 * PAMR: τ = ℓ/||x − x̄||², PAMR-1: τ = min(C, ℓ/||x − x̄||²), PAMR-2: τ = ℓ/(||x − x̄||² + 1/(2C)).
 * Defaults ε = 0.5, C = 500. As in the reference toolbox, the loss uses the realised (net of costs)
 * return of the period, and a period with all relatives equal keeps the previous τ.
 */
public final class Pamr implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 4314426180523255151L;
  /** The three step rules. */
  public enum Variant { PAMR, PAMR_1, PAMR_2 }

  private final Variant variant;
  private final double epsilon;
  private final double c;
  private final double[] b;
  private double tau;

  public Pamr(int m, Variant variant, double epsilon, double c) {
    this.variant = variant;
    this.epsilon = epsilon;
    this.c = c;
    this.b = Simplex.uniform(m);
  }

  @Override
  public String name() {
    return variant.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    observe(x, Simplex.dot(b, x));
  }

  @Override
  public void observe(double[] x, double realisedReturn) {
    double mean = Simplex.mean(x);
    double loss = realisedReturn - epsilon;
    double denominator = 0;
    for (double e : x) {
      denominator += (e - mean) * (e - mean);
    }
    switch (variant) {
      case PAMR:
        tau = denominator == 0 ? tau : loss / denominator;
        break;
      case PAMR_1:
        tau = denominator == 0 ? tau : Math.min(c, loss / denominator);
        break;
      default:
        tau = loss / (denominator + 0.5 / c);
    }
    tau = Math.max(0, tau);
    for (int i = 0; i < b.length; i++) {
      b[i] -= tau * (x[i] - mean);
    }
    Simplex.project(b);
  }
}
