package io.convexstream.core.portfolio;

/**
 * On-line moving average reversion (Li, Hoi 2012). Predicts the next price relatives φ and moves b
 * passive-aggressively so that b·φ ≥ ε: λ = max(0, ε − b·φ)/||φ − φ̄||², b ← Π(b + λ(φ − φ̄·1)).
 * OLMAR-1: φ = (1/W) Σ_{i=0}^{W−1} p_{t−i}/p_t (simple moving average over W periods; the last
 * relative while fewer than W+1 periods exist; like the reference toolbox, b_2 = b_1). OLMAR-2: φ_{t+1} = α + (1 − α) φ_t / x_t
 * (exponential moving average, φ_1 = 1). Defaults ε = 10, W = 5, α = 0.5.
 */
public final class Olmar implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = 5008533212923260050L;
  private final double epsilon;
  private final int window;
  private final double alpha;
  private final double[] b;
  private final double[][] history;
  private int seen;
  private final double[] phi;

  private Olmar(int m, double epsilon, int window, double alpha) {
    this.epsilon = epsilon;
    this.window = window;
    this.alpha = alpha;
    this.b = Simplex.uniform(m);
    this.history = new double[Math.max(window, 1)][];
    this.phi = new double[m];
    java.util.Arrays.fill(phi, 1.0);
  }

  /** OLMAR-1: simple moving average over {@code window} periods. */
  public static Olmar movingAverage(int m, double epsilon, int window) {
    return new Olmar(m, epsilon, window, Double.NaN);
  }

  /** OLMAR-2: exponential moving average with weight {@code alpha}. */
  public static Olmar exponential(int m, double epsilon, double alpha) {
    return new Olmar(m, epsilon, 0, alpha);
  }

  @Override
  public String name() {
    return Double.isNaN(alpha) ? "olmar1" : "olmar2";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    int m = b.length;
    double[] prediction = new double[m];
    if (Double.isNaN(alpha)) {
      history[seen % window] = x.clone();
      seen++;
      if (seen == 1) {
        return; // as the reference toolbox: the first update comes after two periods (b_1 = b_2 = uniform)
      }
      if (seen < window + 1) {
        System.arraycopy(x, 0, prediction, 0, m);
      } else {
        double[] cumulative = new double[m];
        java.util.Arrays.fill(cumulative, 1.0);
        for (int i = 0; i < window; i++) {
          double[] xi = history[(seen - 1 - i) % window];
          for (int j = 0; j < m; j++) {
            prediction[j] += 1 / cumulative[j];
            cumulative[j] *= xi[j];
          }
        }
        for (int j = 0; j < m; j++) {
          prediction[j] /= window;
        }
      }
    } else {
      for (int j = 0; j < m; j++) {
        phi[j] = alpha + (1 - alpha) * phi[j] / x[j];
      }
      System.arraycopy(phi, 0, prediction, 0, m);
    }
    double loss = Math.max(0, epsilon - Simplex.dot(prediction, b));
    double mean = Simplex.mean(prediction);
    double denominator = 0;
    for (double p : prediction) {
      denominator += (p - mean) * (p - mean);
    }
    double lambda = denominator != 0 ? loss / denominator : 0;
    for (int j = 0; j < m; j++) {
      b[j] += lambda * (prediction[j] - mean);
    }
    Simplex.project(b);
  }
}
