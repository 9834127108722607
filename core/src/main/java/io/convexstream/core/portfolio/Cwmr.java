package io.convexstream.core.portfolio;

/**
 * Confidence-weighted mean reversion (Li, Hoi, Zhao, Gopalkrishnan 2013), deterministic version:
 * the portfolio is the mean μ of a Gaussian N(μ, Σ) over portfolios with diagonal Σ; after each
 * period (x̄ = Σσx/Σσ, M = x·μ, V = Σσx², W = Σσx) the largest non-negative root λ of a quadratic
 * (CWMR-Var or CWMR-Stdev) gives μ ← Π(μ − λΣ(x − x̄)) and a tighter Σ, renormalised to trace 1/m.
 * Defaults φ = 2, ε = 0.5; μ_1 = 1/m, Σ_1 = I/m². As in the reference toolbox, CWMR-Stdev adds
 * machine epsilon to Σ's diagonal whenever det Σ ≤ eps (which, at this scale, is every period).
 */
public final class Cwmr implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -9018855703820421089L;
  /** The confidence constraint: on the variance or on the standard deviation. */
  public enum Variant { VAR, STDEV }

  private static final double EPS = Math.ulp(1.0);
  private final Variant variant;
  private final double phi;
  private final double epsilon;
  private final double[] mu;
  private final double[] sigma;
  private final double[] b;

  public Cwmr(int m, Variant variant, double phi, double epsilon) {
    this.variant = variant;
    this.phi = phi;
    this.epsilon = epsilon;
    this.mu = Simplex.uniform(m);
    this.sigma = new double[m];
    java.util.Arrays.fill(sigma, 1.0 / ((double) m * m));
    this.b = mu.clone();
  }

  @Override
  public String name() {
    return variant == Variant.VAR ? "cwmr_var" : "cwmr_stdev";
  }

  @Override
  public double[] weights() {
    return b;
  }

  @Override
  public void observe(double[] x) {
    int m = mu.length;
    double sigmaSum = 0;
    double w = 0;
    double v = 0;
    for (int i = 0; i < m; i++) {
      sigmaSum += sigma[i];
      w += sigma[i] * x[i];
      v += sigma[i] * x[i] * x[i];
    }
    double xBar = w / sigmaSum;
    double mean = Simplex.dot(x, mu);
    double a;
    double bq;
    double c;
    if (variant == Variant.VAR) {
      a = 2 * phi * v * v - 2 * phi * xBar * v * w;
      bq = 2 * phi * epsilon * v - 2 * phi * v * mean + v - xBar * w;
      c = epsilon - mean - phi * v;
    } else {
      double h = v - xBar * w + phi * phi * v / 2;
      a = h * h - Math.pow(phi, 4) * v * v / 4;
      bq = 2 * (epsilon - mean) * h;
      c = (epsilon - mean) * (epsilon - mean) - phi * phi * v;
    }
    double lambda = 0;
    double discriminant = bq * bq - 4 * a * c;
    if (a != 0 && discriminant > 0) {
      double root = Math.sqrt(discriminant);
      lambda = Math.max(0, Math.max((-bq + root) / (2 * a), (-bq - root) / (2 * a)));
    } else if (a == 0 && bq != 0) {
      lambda = Math.max(0, -c / bq);
    }
    for (int i = 0; i < m; i++) {
      mu[i] -= lambda * sigma[i] * (x[i] - xBar);
    }
    if (variant == Variant.VAR) {
      for (int i = 0; i < m; i++) {
        sigma[i] = 1 / (1 / sigma[i] + 2 * lambda * phi * x[i] * x[i]);
      }
    } else {
      double sqrtU = (-lambda * phi * v + Math.sqrt(lambda * lambda * v * v * phi * phi + 4 * v)) / 2;
      if (sqrtU != 0) {
        for (int i = 0; i < m; i++) {
          sigma[i] = 1 / (1 / sigma[i] + lambda * phi / sqrtU * x[i] * x[i]);
        }
      }
      double det = 1;
      for (double s : sigma) {
        det *= s;
      }
      if (det <= EPS) {
        for (int i = 0; i < m; i++) {
          sigma[i] += EPS;
        }
      }
    }
    Simplex.project(mu);
    double total = Simplex.sum(sigma);
    for (int i = 0; i < m; i++) {
      sigma[i] = sigma[i] / total / m;
    }
    double muSum = Simplex.sum(mu);
    for (int i = 0; i < m; i++) {
      b[i] = mu[i] / muSum;
    }
  }
}
