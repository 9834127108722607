package io.convexstream.cli.learn;

import io.convexstream.core.domain.Domain;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.linalg.Vectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The best fixed point in hindsight u* = argmin_{u ∈ K} Σ_t f_t(u) per model and domain, and each
 * learner's static regret against it. Linear losses (gradients): exact, {@link Domain#linearMinimizer}.
 * Examples: projected gradient descent with backtracking (a step is kept when it decreases F by the
 * quadratic-model amount; the step doubles after a success and halves after a failure), started from
 * the domain's initial point and every learner's final point, the best end point kept. Its value is
 * an upper bound on min F, so the reported regret never overstates the learner's.
 */
public final class HindsightComparator {
  private HindsightComparator() {}

  public static void attach(List<OfflineLearning.Result> results, OfflineLearning.Input<?> input, int iterations) {
    Map<String, double[]> comparators = new HashMap<>(); // by domain and model
    for (OfflineLearning.Result r : results) {
      double regret = 0;
      int n = r.losses.values().stream().mapToInt(l -> l.length).max().orElse(0);
      double[] perRound = new double[n];
      for (String model : r.losses.keySet()) {
        double[] u = comparators.computeIfAbsent(r.domain() + "/" + model, k -> solve(input, model, r.domain(), results, iterations));
        double[] learnerLoss = r.losses.get(model);
        List<Object> applied = r.applied.get(model);
        for (int t = 0; t < learnerLoss.length; t++) {
          double d = u == null ? Double.POSITIVE_INFINITY : learnerLoss[t] - lossAt(input, applied.get(t), u);
          regret += d;
          perRound[t] += d;
        }
      }
      r.regret = regret;
      double[][] curve = {new double[n], new double[n]};
      double s = 0;
      for (int t = 0; t < n; t++) {
        s += perRound[t];
        curve[0][t] = t + 1;
        curve[1][t] = s;
      }
      r.regretCurve = curve;
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> double lossAt(OfflineLearning.Input<T> input, Object record, double[] u) {
    return input.lossAt((T) record, u);
  }

  /** u* for {@code model} on {@code domain}, or null where the linear loss is unbounded below (the regret is then +∞). */
  private static <T> double[] solve(OfflineLearning.Input<T> input, String model, Domain domain, List<OfflineLearning.Result> results,
      int iterations) {
    List<T> rounds = input.models().get(model);
    int dim = input.dims().get(model);
    if (input.linear()) {
      double[] total = new double[dim];
      for (T r : rounds) {
        input.reader().gradient(r, total).addTo(total, 1);
      }
      return domain.linearMinimizer(total);
    }
    List<double[]> starts = new ArrayList<>();
    starts.add(domain.initialPoint(dim));
    for (OfflineLearning.Result r : results) {
      if (r.domain().equals(domain) && r.finalParameters().containsKey(model)) {
        starts.add(r.finalParameters().get(model).clone());
      }
    }
    double[] best = null;
    double bestValue = Double.POSITIVE_INFINITY;
    for (double[] start : starts) {
      double[] u = descend(input, rounds, domain, start, iterations);
      double v = total(input, rounds, u);
      if (v < bestValue) {
        bestValue = v;
        best = u;
      }
    }
    return best;
  }

  private static <T> double[] descend(OfflineLearning.Input<T> input, List<T> rounds, Domain domain, double[] u, int iterations) {
    domain.project(u);
    double value = total(input, rounds, u);
    double step = 1.0 / Math.max(1, rounds.size());
    for (int k = 0; k < iterations; k++) {
      double[] grad = new double[u.length];
      for (T r : rounds) {
        GradientVector g = input.reader().gradient(r, u);
        g.addTo(grad, 1);
      }
      boolean moved = false;
      for (int tries = 0; tries < 60 && !moved; tries++) {
        double[] v = u.clone();
        for (int i = 0; i < v.length; i++) {
          v[i] -= step * grad[i];
        }
        domain.project(v);
        double model = value;
        double distance = 0;
        for (int i = 0; i < v.length; i++) {
          double e = v[i] - u[i];
          model += grad[i] * e;
          distance += e * e;
        }
        model += distance / (2 * step);
        double candidate = total(input, rounds, v);
        if (candidate <= model && candidate <= value) {
          moved = distance > 0;
          if (!moved || Math.sqrt(distance) <= 1e-12 * (1 + Vectors.norm2(u))) {
            return candidate < value ? v : u; // converged
          }
          u = v;
          value = candidate;
          step *= 2;
        } else {
          step /= 2;
        }
      }
      if (!moved) {
        return u;
      }
    }
    return u;
  }

  private static <T> double total(OfflineLearning.Input<T> input, List<T> rounds, double[] u) {
    double s = 0;
    for (T r : rounds) {
      s += input.lossAt(r, u);
    }
    return s;
  }
}
