package io.convexstream.core.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.domain.L2Ball;
import io.convexstream.core.domain.Unconstrained;
import io.convexstream.core.linalg.DenseMatrix;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.linalg.SquareMatrix;
import io.convexstream.core.linalg.Vectors;
import java.util.function.Supplier;

/**
 * Optimistic OMD for α-exp-concave and smooth losses (Chen et al. 2023), ONS-style: a time-varying
 * matrix regularizer U_t = δI + (β/2) Σ_{s<t} (g_s − M_s)(g_s − M_s)ᵀ and projections in the U-norm.
 * <pre>
 *   x_t     = Π^{U_t}(x̂_t − U_t⁻¹ M_t)
 *   U_{t+1} = U_t + (β/2)(g_t − M_t)(g_t − M_t)ᵀ        (U⁻¹ kept by Sherman–Morrison, O(d²))
 *   x̂_{t+1} = Π^{U_{t+1}}(x̂_t − U_{t+1}⁻¹ g_t)
 * </pre>
 * The second step uses U_{t+1}, as Online Newton Step does. Regret O(d log(σ²_{1:T} + Σ²_{1:T})).
 * With the hint M_{t+1} = g_t both steps move along the same U_{t+1}⁻¹ g_t.
 *
 * <p>Dense d×d state (U and U⁻¹) in plain Java or ND4J (learner parameter {@code backend}; the state
 * exported is the same either way). An update is all or nothing: the next points are computed from
 * the rank-1 factors first, and U, U⁻¹ change only if everything stays finite (else
 * {@link NonFiniteUpdateException}, nothing changed), which lets a host update the matrices in place
 * ({@link Learners#attach}). Domains: L2 ball or unconstrained.
 */
public final class ExpConcaveOptimisticOmd extends BaseLearner {
  public static final String ID = "oomd-ec";
  private final int d;
  private final double beta;
  private final double radius;
  private final boolean attached;
  private final SquareMatrix u;
  private final SquareMatrix uInv;
  private final double[] xHat;
  private double[] x;
  private double[] hint;
  private double variation;

  /** {@code attached}: work on {@code s}'s own arrays (see {@link Learners#attach}); else copy them. */
  ExpConcaveOptimisticOmd(Domain domain, int dim, double delta, double beta, SquareMatrix.Backend backend,
      LearnerState s, boolean attached) {
    super(ID, s);
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
    this.attached = attached && s != null;
    if (s == null) {
      u = backend.over(DenseMatrix.scaledIdentity(dim, delta), dim);
      uInv = backend.over(DenseMatrix.scaledIdentity(dim, 1 / delta), dim);
      xHat = new double[dim];
      hint = new double[dim];
    } else { // attached: the state's own arrays; else copies
      u = this.attached ? backend.over(s.view("U"), dim) : backend.of(s.view("U"), dim);
      uInv = this.attached ? backend.over(s.view("Uinv"), dim) : backend.of(s.view("Uinv"), dim);
      xHat = this.attached ? s.view("xHat") : s.array("xHat");
      hint = this.attached ? s.view("hint") : s.array("hint");
      variation = s.scalar("variation", 0);
    }
    // the decision is part of the state (an O(d²) product less per restore, and the same bits the
    // update computed); states exported before it was recompute it
    x = s != null && s.arrays.containsKey("x") ? (this.attached ? s.view("x") : s.array("x"))
        : project(minus(xHat, uInv.times(hint)), u::toArray);
  }

  private static double[] minus(double[] a, double[] b) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] - b[i];
    }
    return out;
  }

  /** Π^U(y) onto the ball; {@code uValues} (row-major U) is read only when y lies outside. */
  private double[] project(double[] y, Supplier<double[]> uValues) {
    return Vectors.norm2(y) <= radius ? y : DenseMatrix.projectOntoBallInNorm(uValues.get(), y, radius);
  }

  @Override
  public void update(GradientVector gradient) {
    double[] g = gradient.toDense();
    double s = beta / 2;
    double[] diff = minus(g, hint);
    double diffSq = DenseMatrix.dot(diff, diff);
    // rank-1 factors: U⁻¹_{t+1} = U⁻¹ + c w wᵀ with w = U⁻¹ diff (Sherman–Morrison)
    double[] w = uInv.times(diff);
    double c = -s / (1 + s * DenseMatrix.dot(diff, w));
    // U⁻¹_{t+1} g without forming U⁻¹_{t+1}: U⁻¹ g + c w (wᵀ g)
    double[] step = uInv.times(g);
    double cwg = c * DenseMatrix.dot(w, g);
    for (int i = 0; i < d; i++) {
      step[i] += cwg * w[i];
    }
    // U_{t+1}, materialised only if a projection needs it
    Supplier<double[]> uNext = () -> {
      double[] a = u.toArray();
      DenseMatrix.addOuter(a, diff, s);
      return a;
    };
    double[] nextHat;
    double[] nextX;
    try {
      nextHat = project(minus(xHat, step), uNext);
      nextX = project(minus(nextHat, step), uNext);
    } catch (ArithmeticException e) { // U's entries beyond what a double resolves: not positive definite in floating point
      throw new NonFiniteUpdateException("the update would leave " + ID + "'s U numerically singular (" + e.getMessage() + ")");
    }
    // Sherman–Morrison subtracts nearly all of U⁻¹ along a difference far larger than those before;
    // if rounding leaves the trace of U⁻¹_{t+1} non-positive, U⁻¹ is no longer positive definite
    if (!(uInv.trace() + c * DenseMatrix.dot(w, w) > 0)) {
      throw new NonFiniteUpdateException("||g − M||² = " + diffSq + " is too large against " + ID
          + "'s U for double precision: U⁻¹ would lose positive definiteness");
    }
    double maxW = Vectors.normInf(w);
    if (!Vectors.allFinite(nextX) || !Vectors.allFinite(nextHat) || !Double.isFinite(c * maxW * maxW)
        || !Double.isFinite(u.trace() + s * diffSq)) { // |U_ij| ≤ trace(U) for U ⪰ 0
      throw new NonFiniteUpdateException("the update would make " + ID + "'s state non-finite");
    }
    u.addOuter(diff, s);
    uInv.addOuter(w, c);
    System.arraycopy(nextHat, 0, xHat, 0, d);
    x = nextX;
    hint = g;
    variation += diffSq;
    t++;
  }

  @Override
  public int dim() {
    return d;
  }

  @Override
  public double[] decision() {
    return x;
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
    LearnerState s = newState();
    s.arrays.put("U", attached ? u.array() : u.toArray());
    s.arrays.put("Uinv", attached ? uInv.array() : uInv.toArray());
    s.arrays.put("xHat", attached ? xHat : xHat.clone());
    s.arrays.put("hint", attached ? hint : hint.clone());
    s.arrays.put("x", attached ? x : x.clone());
    s.scalars.put("variation", variation);
    return s;
  }
}
