package io.convexstream.core.moe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Whether a new placement plan is worth moving experts for. Moving a replica costs copying its
 * weights (and, in inference, draining its traffic), so a plan replaces the current one only when,
 * on the same window of loads, its heaviest GPU carries at least {@code minGain} (a fraction) less
 * than the current plan's heaviest GPU. A layer's first plan is always taken: there is nothing to
 * keep.
 *
 * <p>Greedy packing does not care which GPU gets which bin, nor in which slot of a GPU a replica
 * sits, so a fresh plan may differ from the current one everywhere while carrying the same replicas
 * per GPU. Before it is compared, the new plan is aligned to the current one: its GPUs are matched
 * to the current GPUs (within each node, greedily by the replicas they share) and each replica that
 * a GPU keeps stays in its slot. What is then counted as moved are the slots whose expert changes.
 */
public final class Replanning {
  private Replanning() {}

  /**
   * @param plan the plan to publish (aligned to the current one), or the current one, unchanged
   * @param publish whether the plan replaces the current one
   * @param gain (current heaviest GPU − new heaviest GPU) / current heaviest GPU on the window; NaN for a first plan
   * @param moved slots whose expert changes against the current plan; −1 for a first plan
   * @param currentLoads tokens per GPU of the current plan on the window; empty for a first plan
   */
  public record Decision(ExpertPlacement.Plan plan, boolean publish, double gain, int moved, double[] currentLoads) {}

  /**
   * The plan for {@code loads} (the window's tokens per expert) and whether it replaces
   * {@code current} (slot → expert; null, or a layout for another expert or slot count: none yet).
   */
  public static Decision decide(int[] current, long[] loads, int slots, int gpus, int groups, int nodes, double minGain) {
    ExpertPlacement.Plan fresh = ExpertPlacement.plan(loads, slots, gpus, groups, nodes);
    if (!fits(current, loads.length, slots)) {
      return new Decision(fresh, true, Double.NaN, -1, new double[0]);
    }
    int[] aligned = align(current, fresh.physicalToLogical(), gpus, nodes);
    ExpertPlacement.Plan next = new ExpertPlacement.Plan(aligned, fresh.replicas(), fresh.gpuLoadBefore(), gpuLoads(loads, aligned, gpus));
    double[] currentLoads = gpuLoads(loads, current, gpus);
    double currentMax = Arrays.stream(currentLoads).max().orElse(0);
    double gain = currentMax > 0 ? (currentMax - next.maxAfter()) / currentMax : 0;
    int moved = 0;
    for (int s = 0; s < slots; s++) {
      moved += aligned[s] != current[s] ? 1 : 0;
    }
    return new Decision(next, gain >= minGain, gain, moved, currentLoads);
  }

  private static boolean fits(int[] current, int experts, int slots) {
    if (current == null || current.length != slots) {
      return false;
    }
    boolean[] served = new boolean[experts];
    for (int e : current) {
      if (e < 0 || e >= experts) {
        return false;
      }
      served[e] = true;
    }
    for (boolean s : served) {
      if (!s) {
        return false;
      }
    }
    return true;
  }

  /** Tokens per GPU of a layout: each replica takes an equal share of its expert's load. */
  public static double[] gpuLoads(long[] loads, int[] physicalToLogical, int gpus) {
    int[] replicas = new int[loads.length];
    for (int e : physicalToLogical) {
      replicas[e]++;
    }
    int perGpu = physicalToLogical.length / gpus;
    double[] perGpuLoad = new double[gpus];
    for (int s = 0; s < physicalToLogical.length; s++) {
      int e = physicalToLogical[s];
      perGpuLoad[s / perGpu] += (double) loads[e] / replicas[e];
    }
    return perGpuLoad;
  }

  /**
   * {@code next} with its GPUs permuted within each node and each GPU's replicas reordered so that
   * as many slots as greedy matching finds keep the expert {@code current} has there.
   */
  static int[] align(int[] current, int[] next, int gpus, int nodes) {
    int slots = current.length;
    int perGpu = slots / gpus;
    int gpusPerNode = gpus / nodes;
    int[] gpuOf = new int[gpus]; // new GPU → current GPU it takes the place of
    for (int n = 0; n < nodes; n++) {
      List<int[]> pairs = new ArrayList<>(); // {shared, new GPU, current GPU}
      for (int a = n * gpusPerNode; a < (n + 1) * gpusPerNode; a++) {
        for (int b = n * gpusPerNode; b < (n + 1) * gpusPerNode; b++) {
          pairs.add(new int[] {shared(next, a, current, b, perGpu), a, b});
        }
      }
      pairs.sort(Comparator.comparingInt((int[] p) -> -p[0]).thenComparingInt(p -> p[1]).thenComparingInt(p -> p[2]));
      boolean[] newTaken = new boolean[gpus];
      boolean[] currentTaken = new boolean[gpus];
      for (int[] p : pairs) {
        if (!newTaken[p[1]] && !currentTaken[p[2]]) {
          newTaken[p[1]] = true;
          currentTaken[p[2]] = true;
          gpuOf[p[1]] = p[2];
        }
      }
    }
    int[] aligned = new int[slots];
    for (int a = 0; a < gpus; a++) {
      int b = gpuOf[a];
      List<Integer> left = new ArrayList<>();
      for (int i = 0; i < perGpu; i++) {
        left.add(next[a * perGpu + i]);
      }
      boolean[] filled = new boolean[perGpu];
      for (int i = 0; i < perGpu; i++) { // replicas the GPU keeps stay in their slots
        if (left.remove(Integer.valueOf(current[b * perGpu + i]))) {
          aligned[b * perGpu + i] = current[b * perGpu + i];
          filled[i] = true;
        }
      }
      for (int i = 0; i < perGpu; i++) {
        if (!filled[i]) {
          aligned[b * perGpu + i] = left.remove(0);
        }
      }
    }
    return aligned;
  }

  /** Replicas GPU a of {@code x} and GPU b of {@code y} have in common (as multisets). */
  private static int shared(int[] x, int a, int[] y, int b, int perGpu) {
    int[] xs = Arrays.copyOfRange(x, a * perGpu, (a + 1) * perGpu);
    int[] ys = Arrays.copyOfRange(y, b * perGpu, (b + 1) * perGpu);
    Arrays.sort(xs);
    Arrays.sort(ys);
    int common = 0;
    for (int i = 0, j = 0; i < xs.length && j < ys.length; ) {
      if (xs[i] == ys[j]) {
        common++;
        i++;
        j++;
      } else if (xs[i] < ys[j]) {
        i++;
      } else {
        j++;
      }
    }
    return common;
  }
}
