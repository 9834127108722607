package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;

/**
 * Dynamic-regret ensemble (two layers, as in Chen et al. 2023 §5 and Zhao et al.'s Sword): N base
 * optimistic OGD learners with step sizes on a geometric grid η_i = min(η_max, η_min·2^(i−1)), and an
 * optimistic Hedge meta learner in FTRL form (p_t ∝ exp(−ε_t(Σ_{s<t} ℓ_s + m_t)), see {@link OptimisticHedge}) over them with surrogate losses
 * ℓ_{t,i} = ⟨g_t, x_{t,i}⟩ + λ||x_{t,i} − x_{t−1,i}||² and hints m_{t,i} = ⟨M_t, x_{t,i}⟩ + λ||x_{t,i} − x_{t−1,i}||².
 * It plays x_t = Σ_i p_{t,i} x_{t,i}; every base learner is fed the one gradient g_t at x_t. The meta
 * rate is ε_t = √(ln N / (1 + Σ_{s<t} ||ℓ_s − m_s||²_∞)). Tracks a moving comparator about as well as
 * the best step size in the grid, without knowing which one that is.
 */
public final class DynamicOptimisticEnsemble extends BaseLearner {
  public static final String ID = "ensemble";
  private final Domain domain;
  private final int n;
  private final int d;
  private final double[] etas;
  private final double penalty;
  private final double[][] xHat;
  private final double[][] base;
  private final double[][] previousBase;
  private final double[] metaLoss;
  private final double[] p;
  private final double[] x;
  private GradientVector hint;
  private double variation;
  private double metaVariation;

  DynamicOptimisticEnsemble(Domain domain, int dim, int n, double etaMin, double etaMax, double penalty, LearnerState s) {
    super(ID, s);
    if (n < 1 || !(etaMin > 0) || !(etaMax >= etaMin) || !(penalty >= 0)) {
      throw new IllegalArgumentException("ensemble needs N ≥ 1, 0 < etaMin ≤ etaMax, switchPenalty ≥ 0");
    }
    this.domain = domain;
    this.n = n;
    this.d = dim;
    this.penalty = penalty;
    this.etas = new double[n];
    for (int i = 0; i < n; i++) {
      etas[i] = Math.min(etaMax, etaMin * Math.pow(2, i));
    }
    xHat = new double[n][];
    base = new double[n][];
    previousBase = new double[n][];
    if (s == null) {
      for (int i = 0; i < n; i++) {
        xHat[i] = domain.initialPoint(dim);
        previousBase[i] = domain.initialPoint(dim);
      }
      metaLoss = new double[n];
      hint = GradientVector.zero(dim);
    } else {
      for (int i = 0; i < n; i++) {
        xHat[i] = s.array("xHat" + i);
        previousBase[i] = s.array("previous" + i);
      }
      hint = GradientVector.dense(s.array("hint"));
      variation = s.scalar("variation", 0);
      metaVariation = s.scalar("metaVariation", 0);
      metaLoss = s.arrays.containsKey("metaLogWeights")
          ? OptimisticHedge.lossFromLogWeights(s.array("metaLogWeights"), metaRate()) : s.array("metaLoss");
    }
    p = new double[n];
    x = new double[dim];
    play();
  }

  /** Base decisions x_{t,i} = Π(x̂_i − η_i M_t), the meta hint, p_t and the combined x_t. */
  private void play() {
    double[] metaHint = new double[n];
    for (int i = 0; i < n; i++) {
      base[i] = xHat[i].clone();
      hint.addTo(base[i], -etas[i]);
      domain.project(base[i]);
      metaHint[i] = hint.dot(base[i]) + penalty * squaredDistance(base[i], previousBase[i]);
    }
    double eps = metaRate();
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = -eps * (metaLoss[i] + metaHint[i]);
    }
    OptimisticHedge.softmax(z, p);
    java.util.Arrays.fill(x, 0);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[j] += p[i] * base[i][j];
      }
    }
  }

  /** ε_t = √(ln N / (1 + Σ_{s<t} ||ℓ_s − m_s||²_∞)). */
  private double metaRate() {
    return Math.sqrt(Math.log(Math.max(2, n)) / (1 + metaVariation));
  }

  private static double squaredDistance(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      double e = a[j] - b[j];
      s += e * e;
    }
    return s;
  }

  @Override
  public void update(GradientVector g) {
    double added = g.squaredDistance(hint);
    if (!Double.isFinite(variation + added)) {
      throw new NonFiniteUpdateException("the gradient's ||g − M||² = " + added + " would make the accumulated variation infinite");
    }
    variation += added;
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double move = penalty * squaredDistance(base[i], previousBase[i]);
      double loss = g.dot(base[i]) + move;
      double predicted = hint.dot(base[i]) + move;
      worst = Math.max(worst, Math.abs(loss - predicted));
      metaLoss[i] += loss;
    }
    metaVariation += worst * worst;
    OptimisticHedge.shiftMinToZero(metaLoss);
    for (int i = 0; i < n; i++) {
      g.addTo(xHat[i], -etas[i]);
      domain.project(xHat[i]);
      previousBase[i] = base[i];
    }
    hint = g;
    t++;
    play();
  }

  /** Current meta weights p_t over the base step sizes. */
  public double[] metaWeights() {
    return p.clone();
  }

  public double[] stepSizes() {
    return etas.clone();
  }

  @Override
  public int dim() {
    return d;
  }

  @Override
  public double[] decision() {
    return x;
  }

  /** The meta-weighted mean base step size. */
  @Override
  public double stepSize() {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += p[i] * etas[i];
    }
    return s;
  }

  @Override
  public double gradientVariation() {
    return variation;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = newState();
    for (int i = 0; i < n; i++) {
      s.arrays.put("xHat" + i, xHat[i].clone());
      s.arrays.put("previous" + i, previousBase[i].clone());
    }
    s.arrays.put("metaLoss", metaLoss.clone());
    s.arrays.put("hint", hint.toDense());
    s.scalars.put("variation", variation);
    s.scalars.put("metaVariation", metaVariation);
    return s;
  }
}
