package io.convexstream.core.portfolio;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Combines component strategies, treating each component's period return r_{t,k} = b_{t,k}·x_t as a
 * meta-asset: it holds Σ_k w_{t,k}·b_{t,k} in the real assets, where w_t are its weights over the
 * components (Lam, arXiv 2406.03652, ensembling portfolio strategies). Rules for w:
 * <ul>
 *   <li>{@code BUY_AND_HOLD}: w_k ∝ the component's wealth so far. It can never beat the best component.</li>
 *   <li>{@code UNIVERSAL}: Cover's universal portfolio over the simplex of constant mixes λ of
 *       components, approximated by {@code samples} mixes (the K pure components, the uniform mix,
 *       and seeded uniform draws from the simplex): w = Σ_j S_j(λ_j)·λ_j / Σ_j S_j(λ_j), S_j the
 *       wealth of always rebalancing to mix λ_j. Its wealth is within a polynomial factor of the best
 *       constant mix of components (exactly so for the integral; the sampled version up to the
 *       sample's coverage), so it eventually exceeds the best component whenever mixing helps.</li>
 *   <li>{@code ACCELERATED}: the same mixes weighted by S_j^p (p = {@code power} > 1), so the weights
 *       concentrate faster on the best mixes so far; p → ∞ is follow-the-best-mix. We chose the power
 *       form because it keeps the universal combiner's averaging (and its robustness) for small p.</li>
 *   <li>{@code EG}: exponentiated gradient over components, w_k ∝ w_k·exp(η r_k / (w·r)).</li>
 * </ul>
 * Meta returns are gross (before costs); costs are charged on the combined asset portfolio.
 */
public final class Combiner implements PortfolioStrategy {
  // pinned: the value Java computed before it was explicit, so strategies in existing savepoints still read
  private static final long serialVersionUID = -1804027926673729259L;
  /** The combining rule. */
  public enum Rule { BUY_AND_HOLD, UNIVERSAL, ACCELERATED, EG }

  private final Rule rule;
  private final List<PortfolioStrategy> components;
  private final double[][] mixes;
  private final double[] mixLogWealth;
  private final double power;
  private final double eta;
  private final double[] w;
  private final double[] b;

  private Combiner(Rule rule, List<PortfolioStrategy> components, int samples, double power, double eta, long seed) {
    this.rule = rule;
    this.components = List.copyOf(components);
    this.power = power;
    this.eta = eta;
    int k = components.size();
    this.mixes = rule == Rule.UNIVERSAL || rule == Rule.ACCELERATED ? sampleMixes(k, samples, seed) : identity(k);
    this.mixLogWealth = new double[mixes.length];
    this.w = Simplex.uniform(k);
    this.b = new double[components.get(0).weights().length];
    refresh();
  }

  public static Combiner buyAndHold(List<PortfolioStrategy> components) {
    return new Combiner(Rule.BUY_AND_HOLD, components, 0, 1, 0, 0);
  }

  public static Combiner universal(List<PortfolioStrategy> components, int samples, long seed) {
    return new Combiner(Rule.UNIVERSAL, components, samples, 1, 0, seed);
  }

  public static Combiner accelerated(List<PortfolioStrategy> components, int samples, double power, long seed) {
    if (!(power > 1)) {
      throw new IllegalArgumentException("the accelerated combiner needs a power > 1");
    }
    return new Combiner(Rule.ACCELERATED, components, samples, power, 0, seed);
  }

  public static Combiner eg(List<PortfolioStrategy> components, double eta) {
    return new Combiner(Rule.EG, components, 0, 1, eta, 0);
  }

  private static double[][] identity(int k) {
    double[][] m = new double[k][k];
    for (int i = 0; i < k; i++) {
      m[i][i] = 1;
    }
    return m;
  }

  /** The K vertices, the centre, then uniform draws from the simplex (normalised exponentials). */
  private static double[][] sampleMixes(int k, int samples, long seed) {
    int n = Math.max(samples, k + 1);
    double[][] m = new double[n][];
    double[][] vertices = identity(k);
    System.arraycopy(vertices, 0, m, 0, k);
    m[k] = Simplex.uniform(k);
    SplittableRandom random = new SplittableRandom(seed);
    for (int j = k + 1; j < n; j++) {
      double[] e = new double[k];
      double s = 0;
      for (int i = 0; i < k; i++) {
        e[i] = -Math.log(1 - random.nextDouble());
        s += e[i];
      }
      for (int i = 0; i < k; i++) {
        e[i] /= s;
      }
      m[j] = e;
    }
    return m;
  }

  @Override
  public String name() {
    return rule.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "-combiner";
  }

  /** Current weights over the components. */
  public double[] componentWeights() {
    return w.clone();
  }

  @Override
  public double[] weights() {
    return b;
  }

  private void refresh() {
    java.util.Arrays.fill(b, 0);
    for (int k = 0; k < components.size(); k++) {
      double[] bk = components.get(k).weights();
      for (int i = 0; i < b.length; i++) {
        b[i] += w[k] * bk[i];
      }
    }
  }

  @Override
  public void observe(double[] x) {
    int k = components.size();
    double[] r = new double[k];
    for (int j = 0; j < k; j++) {
      r[j] = Simplex.dot(components.get(j).weights(), x);
    }
    switch (rule) {
      case EG: {
        double wr = Simplex.dot(w, r);
        double sum = 0;
        for (int j = 0; j < k; j++) {
          w[j] *= Math.exp(eta * r[j] / wr);
          sum += w[j];
        }
        for (int j = 0; j < k; j++) {
          w[j] /= sum;
        }
        break;
      }
      default: {
        double p = rule == Rule.ACCELERATED ? power : 1;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < mixes.length; j++) {
          mixLogWealth[j] += Math.log(Simplex.dot(mixes[j], r));
          max = Math.max(max, p * mixLogWealth[j]);
        }
        java.util.Arrays.fill(w, 0);
        double total = 0;
        for (int j = 0; j < mixes.length; j++) {
          double weight = Math.exp(p * mixLogWealth[j] - max);
          total += weight;
          for (int i = 0; i < k; i++) {
            w[i] += weight * mixes[j][i];
          }
        }
        for (int i = 0; i < k; i++) {
          w[i] /= total;
        }
      }
    }
    for (PortfolioStrategy c : components) {
      c.observe(x);
    }
    refresh();
  }
}
