package io.convexstream.core.moe;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Expert-parallel placement in the spirit of DeepSeek's EPLB: give hot experts extra replicas, then
 * pack all replicas onto GPUs so that the heaviest GPU's load is as small as greedy packing gets.
 * <ol>
 *   <li>Replication: start with one replica per logical expert; hand each of the
 *       {@code slots − experts} spare slots to the expert with the highest load per replica.</li>
 *   <li>Packing: replicas by decreasing load (load/replicas each), each onto the least-loaded GPU
 *       that still has a free slot and no replica of the same expert yet (longest-processing-time
 *       first, {@code slots/gpus} per GPU): two replicas on one GPU share its load and relieve
 *       nothing. Only when every GPU with a free slot holds the expert already does a GPU get a
 *       second replica of it.</li>
 * </ol>
 * "Before" is the naive layout: expert i on GPU i / (experts/gpus), no replicas.
 */
public final class ExpertPlacement {
  private ExpertPlacement() {}

  /**
   * @param physicalToLogical logical expert served by each physical slot; slot s lives on GPU s / (slots/gpus)
   * @param gpuLoadBefore tokens per GPU with the naive layout
   * @param gpuLoadAfter tokens per GPU with this plan (each replica takes an equal share of its expert)
   */
  public record Plan(int[] physicalToLogical, int[] replicas, double[] gpuLoadBefore, double[] gpuLoadAfter) {
    public double maxBefore() {
      return Arrays.stream(gpuLoadBefore).max().orElse(0);
    }

    public double maxAfter() {
      return Arrays.stream(gpuLoadAfter).max().orElse(0);
    }
  }

  public static Plan plan(long[] loads, int slots, int gpus) {
    int experts = loads.length;
    if (slots < experts || gpus < 1 || slots % gpus != 0 || experts % gpus != 0) {
      throw new IllegalArgumentException("need slots ≥ experts, and gpus dividing both slots and experts");
    }
    int[] replicas = new int[experts];
    Arrays.fill(replicas, 1);
    for (int spare = slots - experts; spare > 0; spare--) {
      int hottest = 0;
      for (int e = 1; e < experts; e++) {
        if ((double) loads[e] / replicas[e] > (double) loads[hottest] / replicas[hottest]) {
          hottest = e;
        }
      }
      replicas[hottest]++;
    }
    int[] replicaExpert = new int[slots];
    int r = 0;
    for (int e = 0; e < experts; e++) {
      for (int j = 0; j < replicas[e]; j++) {
        replicaExpert[r++] = e;
      }
    }
    Integer[] order = new Integer[slots];
    for (int i = 0; i < slots; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -(double) loads[replicaExpert[i]] / replicas[replicaExpert[i]])
        .thenComparingInt(i -> i));
    int perGpu = slots / gpus;
    double[] after = new double[gpus];
    int[] used = new int[gpus];
    int[] physicalToLogical = new int[slots];
    boolean[][] holds = new boolean[gpus][experts];
    for (int i : order) {
      int e = replicaExpert[i];
      int best = -1;
      for (boolean allowSecond : new boolean[] {false, true}) {
        for (int g = 0; g < gpus; g++) {
          if (used[g] < perGpu && (allowSecond || !holds[g][e]) && (best < 0 || after[g] < after[best])) {
            best = g;
          }
        }
        if (best >= 0) {
          break;
        }
      }
      holds[best][e] = true;
      physicalToLogical[best * perGpu + used[best]] = e;
      used[best]++;
      after[best] += (double) loads[e] / replicas[e];
    }
    double[] before = new double[gpus];
    int expertsPerGpu = experts / gpus;
    for (int e = 0; e < experts; e++) {
      before[e / expertsPerGpu] += loads[e];
    }
    return new Plan(physicalToLogical, replicas, before, after);
  }
}
