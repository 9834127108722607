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
 *
 * <p>With group-limited routing (each token goes to experts of a few groups only, so that its
 * traffic crosses few nodes), {@link #plan(long[], int, int, int, int)} is hierarchical as EPLB's:
 * whole expert groups are first packed onto nodes (heaviest group first onto the least-loaded node
 * with room, groups/nodes each), then each node replicates and packs its own experts over its own
 * slots and GPUs as above. Every replica of an expert stays on its group's node.
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

  /**
   * Hierarchical: {@code groups} equal expert groups (expert e in group e / (experts/groups)) onto
   * {@code nodes} nodes of gpus/nodes GPUs each; nodes = 1 is {@link #plan(long[], int, int)}.
   */
  public static Plan plan(long[] loads, int slots, int gpus, int groups, int nodes) {
    int experts = loads.length;
    checkNodes(slots, gpus, groups, nodes);
    if (nodes == 1) {
      return plan(loads, slots, gpus);
    }
    if (groups < 1 || experts % groups != 0) {
      throw new IllegalArgumentException("hierarchical placement needs the expert groups (groups=" + groups + ") to divide the "
          + experts + " experts");
    }
    int perGroup = experts / groups;
    long[] groupLoad = new long[groups];
    for (int e = 0; e < experts; e++) {
      groupLoad[e / perGroup] += loads[e];
    }
    Integer[] order = new Integer[groups];
    for (int g = 0; g < groups; g++) {
      order[g] = g;
    }
    Arrays.sort(order, Comparator.comparingLong((Integer g) -> -groupLoad[g]).thenComparingInt(g -> g));
    int groupsPerNode = groups / nodes;
    long[] nodeLoad = new long[nodes];
    int[][] nodeGroups = new int[nodes][groupsPerNode];
    int[] placed = new int[nodes];
    for (int g : order) {
      int best = -1;
      for (int n = 0; n < nodes; n++) {
        if (placed[n] < groupsPerNode && (best < 0 || nodeLoad[n] < nodeLoad[best])) {
          best = n;
        }
      }
      nodeGroups[best][placed[best]++] = g;
      nodeLoad[best] += groupLoad[g];
    }
    int slotsPerNode = slots / nodes;
    int gpusPerNode = gpus / nodes;
    int[] physicalToLogical = new int[slots];
    int[] replicas = new int[experts];
    double[] after = new double[gpus];
    for (int n = 0; n < nodes; n++) {
      int[] nodeExperts = new int[groupsPerNode * perGroup]; // local index → global expert
      long[] local = new long[nodeExperts.length];
      for (int k = 0; k < groupsPerNode; k++) {
        for (int j = 0; j < perGroup; j++) {
          nodeExperts[k * perGroup + j] = nodeGroups[n][k] * perGroup + j;
          local[k * perGroup + j] = loads[nodeExperts[k * perGroup + j]];
        }
      }
      Plan inNode = plan(local, slotsPerNode, gpusPerNode);
      for (int i = 0; i < slotsPerNode; i++) {
        physicalToLogical[n * slotsPerNode + i] = nodeExperts[inNode.physicalToLogical()[i]];
      }
      for (int i = 0; i < nodeExperts.length; i++) {
        replicas[nodeExperts[i]] = inNode.replicas()[i];
      }
      System.arraycopy(inNode.gpuLoadAfter(), 0, after, n * gpusPerNode, gpusPerNode);
    }
    return new Plan(physicalToLogical, replicas, naive(loads, gpus), after);
  }

  /** The layout's own conditions, known before any loads: nodes divide the GPUs, the slots and (above 1) the groups. */
  public static void checkNodes(int slots, int gpus, int groups, int nodes) {
    if (nodes < 1 || gpus % nodes != 0 || slots % nodes != 0 || (nodes > 1 && groups % nodes != 0)) {
      throw new IllegalArgumentException("placement.nodes=" + nodes + " must divide placement.gpus (" + gpus + "), placement.slots ("
          + slots + ") and, above 1, the expert groups (groups=" + groups + ")");
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
    return new Plan(physicalToLogical, replicas, naive(loads, gpus), after);
  }

  /** Tokens per GPU with expert e on GPU e / (experts/gpus), no replicas. */
  private static double[] naive(long[] loads, int gpus) {
    double[] before = new double[gpus];
    int expertsPerGpu = loads.length / gpus;
    for (int e = 0; e < loads.length; e++) {
      before[e / expertsPerGpu] += loads[e];
    }
    return before;
  }
}
