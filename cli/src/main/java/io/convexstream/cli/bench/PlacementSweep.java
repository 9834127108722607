package io.convexstream.cli.bench;

import io.convexstream.cli.report.Plots;
import io.convexstream.core.moe.BalanceWindow;
import io.convexstream.core.moe.Replanning;
import io.convexstream.core.moe.Router;
import io.convexstream.core.synthetic.TokenRouteGenerator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code placement.minGain} trades: on one synthetic MoE layer whose expert popularity drifts,
 * the placement logic of the balancer job (a window of step loads, a plan considered every few
 * steps, {@link Replanning}) runs once per threshold on the same loads. Per threshold: plans
 * published per 1 000 steps, replicas moved per plan, and the imbalance each step actually saw
 * under the plan in force (its heaviest GPU's tokens over the mean GPU's).
 */
public final class PlacementSweep {
  private PlacementSweep() {}

  /** Figures of one threshold. */
  public record Result(double minGain, int plans, double movedPerPlan, long moved, double meanImbalance, double[] imbalance) {}

  /**
   * @param experts logical experts of the layer; {@code slots} physical slots on {@code gpus} GPUs
   * @param drift standard deviation of each expert's popularity random walk per step
   */
  public static List<Result> run(int experts, int k, int tokens, int slots, int gpus, int steps, int window, int every, double drift,
      List<Double> thresholds, long seed) {
    TokenRouteGenerator gen = new TokenRouteGenerator(experts, 0.5, drift, 0, seed);
    Router router = new Router(experts, k);
    float[] noBias = new float[experts];
    long[][] loads = new long[steps][experts];
    for (int t = 0; t < steps; t++) {
      router.countLoads(gen.logits(tokens), tokens, noBias, loads[t]);
      gen.nextStep();
    }
    return thresholds.stream().map(g -> replay(loads, slots, gpus, window, every, g)).toList();
  }

  private static Result replay(long[][] loads, int slots, int gpus, int window, int every, double minGain) {
    int experts = loads[0].length;
    BalanceWindow w = BalanceWindow.of(window, experts, new long[0][]);
    int[] current = null;
    int plans = 0;
    long moved = 0;
    double[] imbalance = new double[loads.length];
    for (int t = 0; t < loads.length; t++) {
      if (current != null) {
        double[] perGpu = Replanning.gpuLoads(loads[t], current, gpus);
        imbalance[t] = Arrays.stream(perGpu).max().orElse(0) / Arrays.stream(perGpu).average().orElse(1);
      } else {
        imbalance[t] = Double.NaN;
      }
      w.add(loads[t]);
      if ((t + 1) % every == 0) {
        Replanning.Decision d = Replanning.decide(current, w.totals(), slots, gpus, 1, 1, minGain);
        if (d.publish()) {
          if (current != null) {
            plans++;
            moved += d.moved();
          }
          current = d.plan().physicalToLogical();
        }
      }
    }
    double mean = Arrays.stream(imbalance).filter(x -> !Double.isNaN(x)).average().orElse(Double.NaN);
    return new Result(minGain, plans, plans == 0 ? 0 : (double) moved / plans, moved, mean, imbalance);
  }

  /** Prints the table and writes the imbalance per step, one line per threshold, to {@code png}. */
  public static void report(List<Result> results, int steps, Path png) throws java.io.IOException {
    System.out.printf("%-9s %16s %18s %14s %22s%n", "minGain", "plans/1000 steps", "replicas moved/plan", "moved/1000 steps",
        "mean max/mean GPU load");
    Map<String, double[][]> series = new LinkedHashMap<>();
    for (Result r : results) {
      System.out.printf("%-9.3f %16.1f %18.1f %14.1f %22.3f%n", r.minGain(), 1000.0 * r.plans() / steps, r.movedPerPlan(),
          1000.0 * r.moved() / steps, r.meanImbalance());
      double[] x = new double[steps];
      for (int t = 0; t < steps; t++) {
        x[t] = t + 1;
      }
      series.put("minGain " + r.minGain(), new double[][] {x, smooth(r.imbalance(), 20)});
    }
    System.out.println("(first plan not counted; it has nothing to move from)");
    System.out.println("plot: " + Plots.lines(png, "Heaviest GPU over the mean GPU under the plan in force (20-step mean)", "step",
        "max / mean GPU load", false, series));
  }

  private static double[] smooth(double[] v, int n) {
    double[] out = new double[v.length];
    for (int t = 0; t < v.length; t++) {
      double sum = 0;
      int c = 0;
      for (int j = Math.max(0, t - n + 1); j <= t; j++) {
        if (!Double.isNaN(v[j])) {
          sum += v[j];
          c++;
        }
      }
      out[t] = c == 0 ? Double.NaN : sum / c;
    }
    return out;
  }
}
