package io.convexstream.core.learn;

import io.convexstream.core.linalg.GradientVector;

/**
 * Built-in losses of a linear model x on one example (features a, label y, weight w); example mode
 * computes gradients with them. For classification losses y ∈ {−1, +1}. DISTANCE is the SEA
 * quadratic f(x) = (w/2)||x − a||² (the features are the target point; the label is unused).
 */
public enum Loss {
  LOGISTIC, SQUARED, HINGE, HUBER, DISTANCE;

  /** Huber's threshold between the quadratic and the linear part. */
  public static final double HUBER_DELTA = 1.0;

  public static Loss parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown loss '" + name + "'; known: logistic, squared, hinge, huber, distance");
    }
  }

  /** f(x) on the example. */
  public double value(double[] x, GradientVector a, double y, double w) {
    if (this == DISTANCE) {
      return 0.5 * w * a.squaredDistance(GradientVector.dense(x));
    }
    return ofScore(a.dot(x), y, w);
  }

  /** The loss of a linear model whose score (a·x) on the example was {@code p}; not for DISTANCE, which has no score. */
  public double ofScore(double p, double y, double w) {
    switch (this) {
      case LOGISTIC: {
        double m = -y * p; // log(1 + e^m), stably
        return w * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
      }
      case SQUARED:
        return w * 0.5 * (p - y) * (p - y);
      case HINGE:
        return w * Math.max(0, 1 - y * p);
      case HUBER: {
        double r = Math.abs(p - y);
        return w * (r <= HUBER_DELTA ? 0.5 * r * r : HUBER_DELTA * (r - 0.5 * HUBER_DELTA));
      }
      default:
        throw new IllegalStateException(this + " has no score");
    }
  }

  /** Whether labels are classes −1/+1 (logistic, hinge): then a score's sign is a prediction that is right or wrong. */
  public boolean classifies() {
    return this == LOGISTIC || this == HINGE;
  }

  /** The label an example without feedback is learnt as, by the click-through convention: −1 for classes, else 0. */
  public double negativeLabel() {
    return classifies() ? -1 : 0;
  }

  /** ∇f(x): sparse when the features are (except DISTANCE, whose gradient is dense). */
  public GradientVector gradient(double[] x, GradientVector a, double y, double w) {
    if (this == DISTANCE) {
      double[] g = x.clone();
      for (int i = 0; i < g.length; i++) {
        g[i] *= w;
      }
      a.addTo(g, -w);
      return GradientVector.dense(g);
    }
    double p = a.dot(x);
    double scale;
    switch (this) {
      case LOGISTIC:
        scale = -y / (1 + Math.exp(y * p));
        break;
      case SQUARED:
        scale = p - y;
        break;
      case HINGE:
        scale = y * p < 1 ? -y : 0;
        break;
      case HUBER:
        scale = Math.max(-HUBER_DELTA, Math.min(HUBER_DELTA, p - y));
        break;
      default:
        throw new IllegalStateException();
    }
    double[] v = a.values().clone();
    for (int k = 0; k < v.length; k++) {
      v[k] *= w * scale;
    }
    return new GradientVector(a.dim(), a.indices(), v);
  }
}
