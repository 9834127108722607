package io.convexstream.core.moe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReplanningTest {
  private static final long[] SKEWED = {400, 100, 100, 100, 50, 50, 50, 50};

  @Test
  void aFirstPlanIsAlwaysTakenAndMovesNothingKnown() {
    Replanning.Decision d = Replanning.decide(null, SKEWED, 12, 4, 1, 1, 0.5);
    assertThat(d.publish()).isTrue();
    assertThat(d.moved()).isEqualTo(-1);
    assertThat(d.gain()).isNaN();
    assertThat(d.currentLoads()).isEmpty();
    assertThat(d.plan().physicalToLogical()).isEqualTo(ExpertPlacement.plan(SKEWED, 12, 4).physicalToLogical());
  }

  @Test
  void theSameLoadsGiveTheSamePlanWithNothingMovedAndNoGain() {
    int[] current = ExpertPlacement.plan(SKEWED, 12, 4).physicalToLogical();
    Replanning.Decision d = Replanning.decide(current, SKEWED, 12, 4, 1, 1, 0);
    assertThat(d.plan().physicalToLogical()).isEqualTo(current);
    assertThat(d.moved()).isZero();
    assertThat(d.gain()).isZero();
    assertThat(d.publish()).as("no worse, at minGain 0").isTrue();
    assertThat(Replanning.decide(current, SKEWED, 12, 4, 1, 1, 0.01).publish()).as("no gain at all, at minGain 1 %").isFalse();
  }

  /** Packing does not care which GPU is which or where in a GPU a replica sits: such a plan moves nothing. */
  @Test
  void aPlanWithGpusAndSlotsShuffledAlignsToZeroMoves() {
    int[] fresh = ExpertPlacement.plan(SKEWED, 12, 4).physicalToLogical();
    int[] shuffled = new int[12];
    int[] gpuOrder = {2, 0, 3, 1};
    for (int g = 0; g < 4; g++) {
      for (int i = 0; i < 3; i++) {
        shuffled[gpuOrder[g] * 3 + i] = fresh[g * 3 + (2 - i)]; // GPUs permuted, slots reversed within each
      }
    }
    Replanning.Decision d = Replanning.decide(shuffled, SKEWED, 12, 4, 1, 1, 0);
    assertThat(d.moved()).isZero();
    assertThat(d.plan().physicalToLogical()).isEqualTo(shuffled);
  }

  /** Loads drift: the new plan is better by some gain; thresholds below it take it, above it keep the current plan. */
  @Test
  void aPlanReplacesTheCurrentOneOnlyWhenItGainsAtLeastMinGain() {
    int[] current = ExpertPlacement.plan(SKEWED, 12, 4).physicalToLogical();
    long[] drifted = {50, 100, 100, 100, 50, 50, 50, 400}; // the hot expert is now another one
    Replanning.Decision d = Replanning.decide(current, drifted, 12, 4, 1, 1, 0);
    double currentMax = Arrays.stream(Replanning.gpuLoads(drifted, current, 4)).max().orElseThrow();
    ExpertPlacement.Plan fresh = ExpertPlacement.plan(drifted, 12, 4);
    assertThat(d.currentLoads()).containsExactly(Replanning.gpuLoads(drifted, current, 4));
    assertThat(d.gain()).isPositive().isEqualTo((currentMax - d.plan().maxAfter()) / currentMax);
    assertThat(d.plan().maxAfter()).as("at minGain 0 no worse than a fresh packing").isLessThanOrEqualTo(fresh.maxAfter());
    assertThat(d.plan().gpuLoadAfter()).containsExactly(Replanning.gpuLoads(drifted, d.plan().physicalToLogical(), 4));
    assertThat(d.plan().replicas()).isEqualTo(counts(d.plan().physicalToLogical(), 8));
    int differing = 0;
    for (int s = 0; s < 12; s++) {
      differing += d.plan().physicalToLogical()[s] != current[s] ? 1 : 0;
    }
    assertThat(d.moved()).isEqualTo(differing).isPositive().isLessThan(12);
    assertThat(Replanning.decide(current, drifted, 12, 4, 1, 1, d.gain() - 1e-9).publish()).isTrue();
    assertThat(Replanning.decide(current, drifted, 12, 4, 1, 1, d.gain() + 1e-9).publish()).isFalse();
  }

  /** After a small drift the repaired plan reaches the fresh packing's balance with a few moves, where the packing moves most replicas. */
  @Test
  void aSmallDriftIsRepairedWithFewMoves() {
    long[] loads = {400, 100, 100, 100, 50, 50, 50, 50, 120, 80, 70, 60, 90, 40, 30, 20};
    int[] current = ExpertPlacement.plan(loads, 24, 8).physicalToLogical();
    long[] drifted = loads.clone();
    drifted[9] = 160; // one expert heats up
    drifted[12] = 40;
    int[] repaired = Replanning.repair(current, drifted, 8);
    double before = Arrays.stream(Replanning.gpuLoads(drifted, current, 8)).max().orElseThrow();
    double after = Arrays.stream(Replanning.gpuLoads(drifted, repaired, 8)).max().orElseThrow();
    int[] aligned = Replanning.align(current, ExpertPlacement.plan(drifted, 24, 8).physicalToLogical(), 8, 1);
    assertThat(after).isLessThan(before);
    assertThat(moves(current, repaired)).isPositive().isLessThan(moves(current, aligned));
    Replanning.Decision d = Replanning.decide(current, drifted, 24, 8, 1, 1, 0.05);
    assertThat(d.moved()).isLessThanOrEqualTo(moves(current, aligned));
  }

  private static int moves(int[] a, int[] b) {
    int n = 0;
    for (int s = 0; s < a.length; s++) {
      n += a[s] != b[s] ? 1 : 0;
    }
    return n;
  }

  @Test
  void theLoadsOfAPlansLayoutAreItsOwnFigures() {
    ExpertPlacement.Plan p = ExpertPlacement.plan(SKEWED, 12, 4);
    assertThat(Replanning.gpuLoads(SKEWED, p.physicalToLogical(), 4)).containsExactly(p.gpuLoadAfter());
  }

  @Test
  void aLayoutForAnotherExpertOrSlotCountCountsAsNone() {
    int[] forFourExperts = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
    assertThat(Replanning.decide(forFourExperts, SKEWED, 12, 4, 1, 1, 0.9).moved()).isEqualTo(-1);
    assertThat(Replanning.decide(new int[8], SKEWED, 12, 4, 1, 1, 0.9).publish()).isTrue();
  }

  /** Hierarchical plans: GPUs are matched within their node, so every group stays whole on one node. */
  @Test
  void aligningKeepsEachNodesGroups() {
    long[] loads = {50, 1, 1, 1, 9, 9, 9, 9};
    int[] current = ExpertPlacement.plan(loads, 8, 4, 2, 2).physicalToLogical();
    long[] drifted = {1, 1, 1, 50, 9, 9, 30, 9};
    Replanning.Decision d = Replanning.decide(current, drifted, 8, 4, 2, 2, 0);
    int[] p = d.plan().physicalToLogical();
    for (int node = 0; node < 2; node++) {
      int group = p[node * 4] / 4;
      for (int s = node * 4; s < node * 4 + 4; s++) {
        assertThat(p[s] / 4).as("slot %d", s).isEqualTo(group);
      }
    }
    assertThat(counts(p, 8)).isEqualTo(ExpertPlacement.plan(drifted, 8, 4, 2, 2).replicas());
  }

  private static int[] counts(int[] layout, int experts) {
    int[] c = new int[experts];
    for (int e : layout) {
      c[e]++;
    }
    return c;
  }
}
