package io.convexstream.core.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LoadBalancerTest {
  @Test
  void signUpdateRaisesUnderloadedAndLowersOverloadedExperts() {
    LoadBalancer lb = new LoadBalancer(4, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    lb.update(new long[] {10, 30, 20, 20}); // mean 20
    assertThat(lb.biases()).containsExactly(1e-3f, -1e-3f, 0f, 0f);
    lb.update(new long[] {10, 30, 20, 20});
    assertThat(lb.biases()).containsExactly(1e-3f + 1e-3f, -1e-3f - 1e-3f, 0f, 0f); // float32 arithmetic
    assertThat(lb.updates()).isEqualTo(2);
  }

  @Test
  void rawUpdateIsProportionalToTheRelativeError() {
    LoadBalancer lb = new LoadBalancer(2, LoadBalancer.Variant.RAW, false, 0.5f, 0);
    lb.update(new long[] {10, 30}); // mean 20: e = (10, -10), e/mean = (0.5, -0.5)
    assertThat(lb.biases()).containsExactly(0.25f, -0.25f);
  }

  @Test
  void centringKeepsTheMeanBiasAtZero() {
    LoadBalancer centred = new LoadBalancer(3, LoadBalancer.Variant.SIGN, true, 1e-3f, 0);
    LoadBalancer plain = new LoadBalancer(3, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    for (int i = 0; i < 100; i++) {
      centred.update(new long[] {1, 1, 10}); // two under, one over: plain sign drifts upwards
      plain.update(new long[] {1, 1, 10});
    }
    double meanCentred = (centred.biases()[0] + centred.biases()[1] + centred.biases()[2]) / 3.0;
    double meanPlain = (plain.biases()[0] + plain.biases()[1] + plain.biases()[2]) / 3.0;
    assertThat(meanCentred).isCloseTo(0, within(1e-6));
    assertThat(meanPlain).isCloseTo(100 * 1e-3 / 3, within(1e-5));
  }

  @Test
  void primalDualScheduleDecays() {
    LoadBalancer lb = new LoadBalancer(2, LoadBalancer.Variant.SIGN, false, 1e-2f, 10);
    assertThat(lb.currentRate()).isEqualTo(1e-2f);
    for (int i = 0; i < 10; i++) {
      lb.update(new long[] {1, 3});
    }
    assertThat(lb.currentRate()).isEqualTo((float) (1e-2 / 2));
  }

  @Test
  void decayingUpdatesBelowHalfAnUlpStillAccumulate() {
    // n_0 = 10, u_0 = 1e-2: from n ≈ 1.7e5 each u_n is below half an ulp of the bias, which a plain
    // float32 sum would drop for ever; the exact sum of the float32 rates is the reference.
    LoadBalancer lb = new LoadBalancer(2, LoadBalancer.Variant.SIGN, false, 1e-2f, 10);
    double exact = 0;
    float plain = 0;
    int n = 2_000_000;
    for (int i = 0; i < n; i++) {
      float u = lb.currentRate();
      exact += u;
      plain += u;
      lb.update(new long[] {1, 3});
    }
    float bias = lb.biases()[0];
    assertThat(Math.abs(bias - exact)).isLessThanOrEqualTo(Math.ulp(bias));
    assertThat(lb.biases()[1]).isEqualTo(-bias);
    assertThat(Math.abs(plain - exact)).as("the plain float32 sum stalls").isGreaterThan(100 * Math.ulp(bias));
  }

  @Test
  void residualsContinueAfterRestore() {
    LoadBalancer a = new LoadBalancer(2, LoadBalancer.Variant.RAW, true, 1e-2f, 10);
    for (int i = 0; i < 300_000; i++) {
      a.update(new long[] {1, 3});
    }
    LoadBalancer b = new LoadBalancer(a.biases(), a.residuals(), a.updates(), LoadBalancer.Variant.RAW, true, 1e-2f, 10);
    for (int i = 0; i < 1_000; i++) {
      a.update(new long[] {5, 2});
      b.update(new long[] {5, 2});
    }
    assertThat(b.biases()).containsExactly(a.biases());
    assertThat(b.residuals()).containsExactly(a.residuals());
  }

  @Test
  void metricsAndWindow() {
    BalanceMetrics m = BalanceMetrics.of(new long[] {0, 10, 20, 30}, new float[] {-1f, 1f, 0f, 0f});
    assertThat(m.maxViolation()).isEqualTo((30 - 15) / 15.0);
    assertThat(m.idleExperts()).isEqualTo(1);
    assertThat(m.biasSpread()).isEqualTo(2.0);
    BalanceWindow w = new BalanceWindow(2, 2);
    w.add(new long[] {4, 0});
    w.add(new long[] {0, 2});
    w.add(new long[] {0, 2}); // the first step leaves the window
    assertThat(w.totals()).containsExactly(0, 4);
    assertThat(w.steps()).hasDimensions(2, 2);
    assertThat(BalanceWindow.of(2, 2, w.steps()).totals()).containsExactly(0, 4);
  }

  @Test
  void placementReplicatesHotExpertsAndLowersTheHeaviestGpu() {
    long[] loads = {100, 10, 10, 10, 10, 10, 10, 40};
    ExpertPlacement.Plan plan = ExpertPlacement.plan(loads, 12, 4);
    assertThat(plan.replicas()[0]).isGreaterThan(1);
    assertThat(plan.physicalToLogical()).hasSize(12);
    assertThat(java.util.Arrays.stream(plan.replicas()).sum()).isEqualTo(12);
    assertThat(plan.maxAfter()).isLessThan(plan.maxBefore());
    assertThat(java.util.Arrays.stream(plan.gpuLoadAfter()).sum()).isCloseTo(200, within(1e-9));
    // every logical expert is served somewhere
    assertThat(java.util.Arrays.stream(plan.physicalToLogical()).distinct().count()).isEqualTo(8);
  }

  /**
   * Hierarchical placement for group-limited routing: each node holds whole expert groups (an equal
   * number), every replica of an expert sits on its group's node, node loads differ by at most the
   * heaviest group (greedy packing's bound), and one node is the flat plan.
   */
  @Test
  void hierarchicalPlacementKeepsEachGroupOnOneNode() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int trial = 0; trial < 500; trial++) {
      int nodes = r.nextInt(2, 5);
      int gpusPerNode = r.nextInt(1, 5);
      int groupsPerNode = r.nextInt(1, 5);
      int perGroup = gpusPerNode * r.nextInt(1, 4);
      int groups = nodes * groupsPerNode;
      int experts = groups * perGroup;
      int slotsPerNode = groupsPerNode * perGroup + gpusPerNode * r.nextInt(0, 4);
      long[] loads = new long[experts];
      for (int e = 0; e < experts; e++) {
        loads[e] = r.nextInt(4) == 0 ? r.nextLong(1, 10_000) : r.nextLong(0, 100);
      }
      ExpertPlacement.Plan plan = ExpertPlacement.plan(loads, nodes * slotsPerNode, nodes * gpusPerNode, groups, nodes);
      int[] nodeOfGroup = new int[groups];
      java.util.Arrays.fill(nodeOfGroup, -1);
      int[] groupsOnNode = new int[nodes];
      for (int slot = 0; slot < plan.physicalToLogical().length; slot++) {
        int node = slot / slotsPerNode;
        int group = plan.physicalToLogical()[slot] / perGroup;
        if (nodeOfGroup[group] < 0) {
          nodeOfGroup[group] = node;
          groupsOnNode[node]++;
        }
        assertThat(nodeOfGroup[group]).as("trial %d: group %d on one node", trial, group).isEqualTo(node);
      }
      assertThat(groupsOnNode).containsOnly(groupsPerNode);
      assertThat(java.util.Arrays.stream(plan.physicalToLogical()).distinct().count()).isEqualTo(experts);
      assertThat(java.util.Arrays.stream(plan.replicas()).sum()).isEqualTo(nodes * slotsPerNode);
      double total = java.util.Arrays.stream(loads).sum();
      assertThat(java.util.Arrays.stream(plan.gpuLoadAfter()).sum()).isCloseTo(total, within(1e-6 * (1 + total)));
      double[] nodeLoad = new double[nodes];
      long heaviestGroup = 0;
      for (int g = 0; g < groups; g++) {
        long load = 0;
        for (int e = g * perGroup; e < (g + 1) * perGroup; e++) {
          load += loads[e];
        }
        nodeLoad[nodeOfGroup[g]] += load;
        heaviestGroup = Math.max(heaviestGroup, load);
      }
      double spread = java.util.Arrays.stream(nodeLoad).max().orElseThrow() - java.util.Arrays.stream(nodeLoad).min().orElseThrow();
      assertThat(spread).as("trial %d", trial).isLessThanOrEqualTo(heaviestGroup);
    }
    long[] loads = {100, 10, 10, 10, 10, 10, 10, 40};
    assertThat(ExpertPlacement.plan(loads, 12, 4, 2, 1).physicalToLogical()).containsExactly(ExpertPlacement.plan(loads, 12, 4).physicalToLogical());
  }

  /**
   * Replicas of one expert go to different GPUs whenever the expert has no more replicas than there
   * are GPUs: on one GPU they would share its load and relieve nothing. The greedy packing put two on
   * one GPU in 127 of 280 random cases; here none of 1 000 may.
   */
  @Test
  void placementSpreadsAnExpertsReplicasOverDifferentGpus() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(16);
    int checked = 0;
    for (int trial = 0; trial < 1000; trial++) {
      int gpus = r.nextInt(1, 9);
      int experts = gpus * r.nextInt(1, 9);
      int slots = experts + gpus * r.nextInt(0, 5);
      long[] loads = new long[experts];
      for (int e = 0; e < experts; e++) {
        loads[e] = r.nextInt(4) == 0 ? r.nextLong(1, 10_000) : r.nextLong(0, 100);
      }
      ExpertPlacement.Plan plan = ExpertPlacement.plan(loads, slots, gpus);
      int perGpu = slots / gpus;
      for (int e = 0; e < experts; e++) {
        if (plan.replicas()[e] > gpus) {
          continue;
        }
        checked++;
        for (int g = 0; g < gpus; g++) {
          int onGpu = 0;
          for (int s = g * perGpu; s < (g + 1) * perGpu; s++) {
            onGpu += plan.physicalToLogical()[s] == e ? 1 : 0;
          }
          assertThat(onGpu).as("trial %d: expert %d (%d replicas) on GPU %d of %d, loads %s", trial, e, plan.replicas()[e], g, gpus,
              java.util.Arrays.toString(loads)).isLessThanOrEqualTo(1);
        }
      }
    }
    assertThat(checked).isGreaterThan(1000);
  }
}
