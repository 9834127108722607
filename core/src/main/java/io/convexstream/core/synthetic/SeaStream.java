package io.convexstream.core.synthetic;

import java.util.SplittableRandom;

/**
 * Synthetic losses of the stochastically extended adversarial (SEA) model:
 * f_t(x) = (a/2)||x − c_t||² + ⟨ξ_t, x⟩ with ξ_t ~ N(0, s²/d·I). The stochastic variance is exactly
 * σ_t² = s² and the adversarial variation Σ_t² = a²||c_t − c_{t−1}||², set by the path of the centres.
 * Since f_t(x) = (a/2)||x − z_t||² + const with z_t = c_t − ξ_t/a, the best fixed point in a ball is
 * the projection of the mean of z_t, so regret is computed exactly ({@link Regret}).
 * Seeded: the same arguments give the same stream.
 */
public final class SeaStream {
  /** How the centres c_t move: the adversarial part. */
  public enum Path { FIXED, SWITCHING, RANDOM_WALK, SPARSE_CORRUPTION }

  private final int dim;
  private final double curvature;
  private final double noise;
  private final Path path;
  private final double pathParameter;
  private final double radius;
  private final SplittableRandom random;
  private final double[] centre;
  private final double[] previousCentre;
  private long t;
  private double stochasticVariance;
  private double adversarialVariation;

  /**
   * @param dim dimension d
   * @param curvature a > 0
   * @param noise s (σ_t = s)
   * @param path the centres' path
   * @param pathParameter SWITCHING: rounds between switches; RANDOM_WALK: step length; SPARSE_CORRUPTION: probability per round
   * @param radius centres stay within 0.8 of this radius (the learner's ball), so the comparator is interior
   * @param seed random seed
   */
  public SeaStream(int dim, double curvature, double noise, Path path, double pathParameter, double radius, long seed) {
    this.dim = dim;
    this.curvature = curvature;
    this.noise = noise;
    this.path = path;
    this.pathParameter = pathParameter;
    this.radius = radius;
    this.random = new SplittableRandom(seed);
    this.centre = new double[dim];
    double n = 0;
    for (int i = 0; i < dim; i++) {
      centre[i] = gaussian();
      n += centre[i] * centre[i];
    }
    for (int i = 0; i < dim; i++) {
      centre[i] *= 0.5 * radius / Math.sqrt(n);
    }
    this.previousCentre = centre.clone();
  }

  /** One round's loss: f(x) = (a/2)||x − c||² + ⟨ξ, x⟩. */
  public record Loss(double curvature, double[] centre, double[] xi) {
    public double value(double[] x) {
      double s = 0;
      for (int i = 0; i < x.length; i++) {
        double e = x[i] - centre[i];
        s += 0.5 * curvature * e * e + xi[i] * x[i];
      }
      return s;
    }

    public double[] gradient(double[] x) {
      double[] g = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        g[i] = curvature * (x[i] - centre[i]) + xi[i];
      }
      return g;
    }

    /** z = c − ξ/a: the loss is (a/2)||x − z||² plus a constant. */
    public double[] target() {
      double[] z = new double[centre.length];
      for (int i = 0; i < z.length; i++) {
        z[i] = centre[i] - xi[i] / curvature;
      }
      return z;
    }
  }

  public Loss next() {
    t++;
    System.arraycopy(centre, 0, previousCentre, 0, dim);
    moveCentre();
    double shift = 0;
    for (int i = 0; i < dim; i++) {
      double e = centre[i] - previousCentre[i];
      shift += e * e;
    }
    adversarialVariation += curvature * curvature * shift;
    stochasticVariance += noise * noise;
    double[] xi = new double[dim];
    double sd = noise / Math.sqrt(dim);
    for (int i = 0; i < dim; i++) {
      xi[i] = sd * gaussian();
    }
    return new Loss(curvature, centre.clone(), xi);
  }

  private void moveCentre() {
    switch (path) {
      case FIXED:
        break;
      case SWITCHING:
        if (t > 1 && (t - 1) % (long) pathParameter == 0) {
          for (int i = 0; i < dim; i++) {
            centre[i] = -centre[i];
          }
        }
        break;
      case RANDOM_WALK: {
        for (int i = 0; i < dim; i++) {
          centre[i] += pathParameter / Math.sqrt(dim) * gaussian();
        }
        clamp();
        break;
      }
      case SPARSE_CORRUPTION:
        // the centre returns to its base after a one-round corruption
        if (random.nextDouble() < pathParameter) {
          for (int i = 0; i < dim; i++) {
            centre[i] = -centre[i];
          }
        }
        break;
      default:
        throw new IllegalStateException();
    }
  }

  private void clamp() {
    double n = 0;
    for (double c : centre) {
      n += c * c;
    }
    n = Math.sqrt(n);
    if (n > 0.8 * radius) {
      for (int i = 0; i < dim; i++) {
        centre[i] *= 0.8 * radius / n;
      }
    }
  }

  /** σ²_{1:T} so far. */
  public double stochasticVariance() {
    return stochasticVariance;
  }

  /** Σ²_{1:T} so far. */
  public double adversarialVariation() {
    return adversarialVariation;
  }

  private double gaussian() {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Static regret of played points against the best fixed point of a ball, for SEA losses. */
  public static final class Regret {
    private final double radius;
    private final double[] sumTargets;
    private double sumTargetSquares;
    private double learnerLoss;
    private double curvature;
    private long rounds;

    public Regret(int dim, double radius) {
      this.radius = radius;
      this.sumTargets = new double[dim];
    }

    /** Records the loss of round t and the point x_t that was played. */
    public void add(Loss loss, double[] played) {
      double[] z = loss.target();
      curvature = loss.curvature();
      double l = 0;
      for (int i = 0; i < z.length; i++) {
        double e = played[i] - z[i];
        l += e * e;
        sumTargets[i] += z[i];
        sumTargetSquares += z[i] * z[i];
      }
      learnerLoss += 0.5 * curvature * l;
      rounds++;
    }

    /** Σ f_t(x_t) − min_{||u|| ≤ R} Σ f_t(u). */
    public double value() {
      double[] u = new double[sumTargets.length];
      double n = 0;
      for (int i = 0; i < u.length; i++) {
        u[i] = sumTargets[i] / rounds;
        n += u[i] * u[i];
      }
      n = Math.sqrt(n);
      double scale = n > radius ? radius / n : 1;
      double uu = 0;
      double uz = 0;
      for (int i = 0; i < u.length; i++) {
        u[i] *= scale;
        uu += u[i] * u[i];
        uz += u[i] * sumTargets[i];
      }
      double best = 0.5 * curvature * (rounds * uu - 2 * uz + sumTargetSquares);
      return learnerLoss - best;
    }
  }
}
