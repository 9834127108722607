package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.L2Ball;
import io.convexstream.core.domain.Unconstrained;
import io.convexstream.core.linalg.DenseMatrix;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.linalg.SquareMatrix;
import io.convexstream.core.linalg.Vectors;

/**
 * Optimistic OMD for α-exp-concave and smooth losses (Chen et al. 2023), ONS-style: a time-varying
 * matrix regularizer U_t = δI + (β/2) Σ_{s<t} (g_s − M_s)(g_s − M_s)ᵀ and projections in the U-norm.
 * <pre>
 *   x_t     = Π^{U_t}(x̂_t − U_t⁻¹ M_t)
 *   U_{t+1} = U_t + (β/2)(g_t − M_t)(g_t − M_t)ᵀ        (U⁻¹ kept by Sherman–Morrison, O(d²))
 *   x̂_{t+1} = Π^{U_{t+1}}(x̂_t − U_{t+1}⁻¹ g_t)
 * </pre>
 * The second step uses U_{t+1}, as Online Newton Step does. Regret O(d log(σ²_{1:T} + Σ²_{1:T})).
 * Dense d×d state (U and U⁻¹) in plain Java or ND4J (learner parameter {@code backend}; the state
 * exported is the same either way). Domains: L2 ball or unconstrained.
 */
public final class ExpConcaveOptimisticOmd implements OnlineLearner {
  public static final String ID = "oomd-ec";
  private final int d;
  private final double beta;
  private final double radius;
  private final SquareMatrix u;
  private final SquareMatrix uInv;
  private final double[] xHat;
  private double[] x;
  private double[] hint;
  private double variation;
  private long t;

  ExpConcaveOptimisticOmd(Domain domain, int dim, double delta, double beta, SquareMatrix.Backend backend, LearnerState s) {
    if (domain instanceof L2Ball ball) {
      radius = ball.radius();
    } else if (domain instanceof Unconstrained) {
      radius = Double.POSITIVE_INFINITY;
    } else {
      throw new IllegalArgumentException(ID + " supports the ball and unconstrained domains, not " + domain);
    }
    if (!(delta > 0) || !(beta > 0)) {
      throw new IllegalArgumentException("delta and beta must be positive");
    }
    this.d = dim;
    this.beta = beta;
    if (s == null) {
      u = backend.of(DenseMatrix.scaledIdentity(dim, delta), dim);
      uInv = backend.of(DenseMatrix.scaledIdentity(dim, 1 / delta), dim);
      xHat = new double[dim];
      hint = new double[dim];
    } else {
      u = backend.of(s.view("U"), dim);
      uInv = backend.of(s.view("Uinv"), dim);
      xHat = s.array("xHat");
      hint = s.array("hint");
      variation = s.scalar("variation", 0);
      t = s.rounds;
    }
    x = step(xHat, hint);
  }

  /** Π^{U}(from − U⁻¹ direction). */
  private double[] step(double[] from, double[] direction) {
    double[] y = uInv.times(direction);
    for (int i = 0; i < d; i++) {
      y[i] = from[i] - y[i];
    }
    return Vectors.norm2(y) <= radius ? y : DenseMatrix.projectOntoBallInNorm(u.toArray(), y, radius);
  }

  @Override
  public void update(GradientVector gradient) {
    double[] g = gradient.toDense();
    double[] diff = new double[d];
    for (int i = 0; i < d; i++) {
      diff[i] = g[i] - hint[i];
    }
    variation += DenseMatrix.dot(diff, diff);
    u.addOuter(diff, beta / 2);
    uInv.shermanMorrison(diff, beta / 2);
    double[] next = step(xHat, g);
    System.arraycopy(next, 0, xHat, 0, d);
    hint = g;
    t++;
    x = step(xHat, hint);
  }

  @Override
  public String algorithm() {
    return ID;
  }

  @Override
  public int dim() {
    return d;
  }

  @Override
  public double[] decision() {
    return x;
  }

  @Override
  public long rounds() {
    return t;
  }

  /** The mean eigenvalue of U⁻¹ (trace/d): the typical step length per unit gradient. */
  @Override
  public double stepSize() {
    return uInv.trace() / d;
  }

  @Override
  public double gradientVariation() {
    return variation;
  }

  @Override
  public LearnerState exportState() {
    LearnerState s = new LearnerState(ID, t);
    s.arrays.put("U", u.toArray());
    s.arrays.put("Uinv", uInv.toArray());
    s.arrays.put("xHat", xHat.clone());
    s.arrays.put("hint", hint.clone());
    s.scalars.put("variation", variation);
    return s;
  }
}
