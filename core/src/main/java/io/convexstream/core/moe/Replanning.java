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
 *
 * <p>A fresh packing still moves most replicas after a small drift. So the current plan is also
 * repaired with few changes ({@link #repair}: swaps off the heaviest GPU, a spare replica handed to
 * the hottest expert), and the fresh packing is taken only when its heaviest GPU is lower than the
 * repair's by at least {@code minGain} as well: its extra moves must buy that much. The repair is
 * flat; with several nodes only the fresh, hierarchical plan is considered.
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
    double[] currentLoads = gpuLoads(loads, current, gpus);
    double currentMax = max(currentLoads);
    int[] aligned = align(current, fresh.physicalToLogical(), gpus, nodes);
    int[] repaired = nodes == 1 ? repair(current, loads, gpus) : current;
    // the fresh packing's extra moves must buy at least minGain over what the few moves of the repair reach
    double freshMax = max(gpuLoads(loads, aligned, gpus));
    double repairedMax = max(gpuLoads(loads, repaired, gpus));
    int[] chosen = freshMax < repairedMax && repairedMax - freshMax >= minGain * currentMax ? aligned : repaired;
    ExpertPlacement.Plan next = new ExpertPlacement.Plan(chosen, counts(chosen, loads.length), fresh.gpuLoadBefore(),
        gpuLoads(loads, chosen, gpus));
    double gain = currentMax > 0 ? (currentMax - next.maxAfter()) / currentMax : 0;
    int moved = 0;
    for (int s = 0; s < slots; s++) {
      moved += chosen[s] != current[s] ? 1 : 0;
    }
    return new Decision(next, gain >= minGain, gain, moved, currentLoads);
  }

  /**
   * {@code current} improved one change at a time while a change lowers the heaviest GPU's load:
   * either two replicas swap GPUs (two moves), or a replica of an expert that has several becomes a
   * replica of the expert with the most load per replica (one move, when the hot expert changed).
   * Each round takes the change that lowers the maximum most (a replacement on a tie).
   */
  static int[] repair(int[] current, long[] loads, int gpus) {
    int[] layout = current.clone();
    int slots = layout.length;
    int perGpu = slots / gpus;
    for (int round = 0; round < slots; round++) {
      double[] perGpuLoad = gpuLoads(loads, layout, gpus);
      int[] replicas = counts(layout, loads.length);
      int heaviest = argmax(perGpuLoad);
      double best = perGpuLoad[heaviest] * (1 - 1e-9);
      int bestI = -1;
      int bestJ = -1;
      int bestExpert = -1;
      int hot = 0;
      for (int e = 1; e < loads.length; e++) {
        if ((double) loads[e] / replicas[e] > (double) loads[hot] / replicas[hot]) {
          hot = e;
        }
      }
      for (int j = 0; j < slots; j++) { // replacements: one move each
        int f = layout[j];
        if (f == hot || replicas[f] < 2) {
          continue;
        }
        layout[j] = hot;
        double m = max(gpuLoads(loads, layout, gpus));
        layout[j] = f;
        if (m <= best) {
          best = m;
          bestI = -1;
          bestJ = j;
          bestExpert = hot;
        }
      }
      int[] top = top3(perGpuLoad);
      for (int i = heaviest * perGpu; i < (heaviest + 1) * perGpu; i++) { // swaps off the heaviest GPU: two moves each
        double li = (double) loads[layout[i]] / replicas[layout[i]];
        for (int j = 0; j < slots; j++) {
          int g = j / perGpu;
          if (g == heaviest || layout[j] == layout[i]) {
            continue;
          }
          double lj = (double) loads[layout[j]] / replicas[layout[j]];
          double m = Math.max(Math.max(perGpuLoad[heaviest] - li + lj, perGpuLoad[g] - lj + li), maxExcept(perGpuLoad, top, heaviest, g));
          if (m < best) {
            best = m;
            bestI = i;
            bestJ = j;
            bestExpert = -1;
          }
        }
      }
      if (bestJ < 0) {
        return layout;
      }
      if (bestExpert >= 0) {
        layout[bestJ] = bestExpert;
      } else {
        int e = layout[bestI];
        layout[bestI] = layout[bestJ];
        layout[bestJ] = e;
      }
    }
    return layout;
  }

  /** Indices of the three largest entries (fewer when there are fewer). */
  private static int[] top3(double[] v) {
    int[] top = {-1, -1, -1};
    for (int i = 0; i < v.length; i++) {
      for (int k = 0; k < 3; k++) {
        if (top[k] < 0 || v[i] > v[top[k]]) {
          System.arraycopy(top, k, top, k + 1, 2 - k);
          top[k] = i;
          break;
        }
      }
    }
    return top;
  }

  /** The largest entry other than at {@code a} and {@code b}, from the indices of the three largest. */
  private static double maxExcept(double[] v, int[] top, int a, int b) {
    for (int i : top) {
      if (i >= 0 && i != a && i != b) {
        return v[i];
      }
    }
    return 0;
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double max(double[] v) {
    return v[argmax(v)];
  }

  private static int[] counts(int[] layout, int experts) {
    int[] c = new int[experts];
    for (int e : layout) {
      c[e]++;
    }
    return c;
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
