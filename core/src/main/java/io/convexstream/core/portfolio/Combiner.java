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
 * <p>Costs: each component is followed as if it traded alone under the combiner's {@link Trading}
 * (its costs and rebalancing rules; its own {@link Backtest}): it observes its own net return (so PAMR inside a combiner learns exactly as alone,
 * bit for bit), and its meta-asset return r_{t,k} is that net return, so the rules weigh components by
 * what they would have earned after their own costs. The combined portfolio pays its own costs on top
 * (its host charges them); the universal bound compares with constant mixes of the components' net
 * wealth and does not cover the cost of rebalancing between components. With c = 0 every figure is the
 * gross one. A combiner restored from state saved before this has no trackers and continues gross.
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
  /** Each component's own wealth tracker at the cost rate (null in state saved before they existed). */
  private final Backtest[] alone;

  private Combiner(Rule rule, List<PortfolioStrategy> components, int samples, double power, double eta, long seed,
      Trading trading) {
    this.rule = rule;
    this.components = List.copyOf(components);
    this.power = power;
    this.eta = eta;
    int k = components.size();
    this.mixes = rule == Rule.UNIVERSAL || rule == Rule.ACCELERATED ? sampleMixes(k, samples, seed) : identity(k);
    this.mixLogWealth = new double[mixes.length];
    this.w = Simplex.uniform(k);
    this.b = new double[components.get(0).weights().length];
    this.alone = new Backtest[k];
    for (int j = 0; j < k; j++) {
      alone[j] = new Backtest(trading);
    }
    refresh();
  }

  public static Combiner buyAndHold(List<PortfolioStrategy> components, Trading trading) {
    return new Combiner(Rule.BUY_AND_HOLD, components, 0, 1, 0, 0, trading);
  }

  public static Combiner universal(List<PortfolioStrategy> components, int samples, long seed, Trading trading) {
    return new Combiner(Rule.UNIVERSAL, components, samples, 1, 0, seed, trading);
  }

  public static Combiner accelerated(List<PortfolioStrategy> components, int samples, double power, long seed,
      Trading trading) {
    if (!(power > 1)) {
      throw new IllegalArgumentException("the accelerated combiner needs a power > 1");
    }
    return new Combiner(Rule.ACCELERATED, components, samples, power, 0, seed, trading);
  }

  public static Combiner eg(List<PortfolioStrategy> components, double eta, Trading trading) {
    return new Combiner(Rule.EG, components, 0, 1, eta, 0, trading);
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
      double[] bj = components.get(j).weights();
      if (alone == null) {
        r[j] = Simplex.dot(bj, x);
      } else {
        alone[j].decide(bj);
        r[j] = alone[j].settle(x);
      }
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
    for (int j = 0; j < k; j++) {
      components.get(j).observe(x, r[j]);
    }
    refresh();
  }
}
