package io.convexstream.flink.moe;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.moe.ExpertPlacement;
import io.convexstream.schemas.PlacementPlan;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class PlacementFunctionTest {
  @Test
  void plansEveryKStepsFromTheWindowedLoads() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PlacementFunction(6, 2, 1, 1, 2, 2, 0), (StepLoads s) -> s.key, Types.STRING)) {
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 1, new long[] {90, 10, 10, 10})));
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 2, new long[] {70, 10, 10, 30})));
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 3, new long[] {10, 10, 10, 10})));
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 4, new long[] {10, 10, 10, 10})));
      List<PlacementPlan> plans = h.extractOutputValues();
      assertThat(plans).extracting(PlacementPlan::getStep).containsExactly(2L, 4L);
      ExpertPlacement.Plan expected = ExpertPlacement.plan(new long[] {160, 20, 20, 40}, 6, 2);
      assertThat(plans.get(0).getReplicas()).containsExactly(expected.replicas()[0], expected.replicas()[1], expected.replicas()[2], expected.replicas()[3]);
      assertThat(plans.get(0).getLayer()).isEqualTo(0);
      assertThat(plans.get(1).getWindowSteps()).isEqualTo(2); // steps 3 and 4 only
      assertThat(plans.get(1).getGpuLoadBefore()).containsExactly(40.0, 40.0);
    }
  }

  /** The step that is a multiple of `every` may be skipped (it timed out): the next closed step gets its plan. */
  @Test
  void aSkippedPlanningStepDoesNotSkipItsPlan() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PlacementFunction(4, 2, 1, 1, 4, 3, 0), (StepLoads s) -> s.key, Types.STRING)) {
      for (long step : new long[] {1, 2, 4, 5, 6, 7, 8, 10, 13}) { // 3 and 9 skipped
        h.processElement(new StreamRecord<>(new StepLoads("moe/0", step, new long[] {5, 1, 1, 1})));
      }
      assertThat(h.extractOutputValues()).extracting(PlacementPlan::getStep).containsExactly(4L, 6L, 10L, 13L);
    }
  }

  /** A layer whose expert count does not fit the slots and GPUs gets no plan (counted, logged); other layers keep theirs. */
  @Test
  void aLayerThatDoesNotFitTheHardwareGetsNoPlanAndNoRestart() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PlacementFunction(4, 2, 1, 1, 4, 1, 0), (StepLoads s) -> s.key, Types.STRING)) {
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 1, new long[] {5, 1, 1})));
      h.processElement(new StreamRecord<>(new StepLoads("moe/1", 1, new long[] {5, 1, 1, 1})));
      assertThat(h.extractOutputValues()).extracting(PlacementPlan::getLayer).containsExactly(1);
    }
  }

  /** With two nodes and two expert groups, each node's slots serve one whole group. */
  @Test
  void hierarchicalPlansKeepAGroupOnANode() throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new PlacementFunction(8, 4, 2, 2, 4, 1, 0), (StepLoads s) -> s.key, Types.STRING)) {
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 1, new long[] {50, 1, 1, 1, 9, 9, 9, 9})));
      java.util.List<Integer> slots = h.extractOutputValues().get(0).getPhysicalToLogical();
      assertThat(slots.subList(0, 4)).allMatch(e -> e / 4 == slots.get(0) / 4);
      assertThat(slots.subList(4, 8)).allMatch(e -> e / 4 == slots.get(4) / 4).noneMatch(e -> e / 4 == slots.get(0) / 4);
    }
  }

  /**
   * The plan in force is kept in state (also across a restore): a later plan that gains less than
   * minGain is not published (counted as kept); one that gains more says how many replicas it moves.
   */
  @Test
  void aPlanIsPublishedOnlyWhenItGainsMinGainAndSaysWhatItMoves() throws Exception {
    PlacementFunction f = new PlacementFunction(6, 2, 1, 1, 1, 1, 0.1);
    OperatorSubtaskState saved;
    try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(f, (StepLoads s) -> s.key, Types.STRING)) {
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 1, new long[] {90, 10, 10, 10})));
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 2, new long[] {88, 11, 10, 11}))); // about the same: kept
      List<PlacementPlan> plans = h.extractOutputValues();
      assertThat(plans).extracting(PlacementPlan::getStep).containsExactly(1L);
      assertThat(plans.get(0).getReplicasMoved()).as("a first plan").isNull();
      assertThat(plans.get(0).getGpuLoadCurrent()).isEmpty();
      saved = h.snapshot(1, 1);
    }
    try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new PlacementFunction(6, 2, 1, 1, 1, 1, 0.1)),
        (StepLoads s) -> s.key, Types.STRING)) {
      h.setup();
      h.initializeState(saved);
      h.open();
      h.processElement(new StreamRecord<>(new StepLoads("moe/0", 3, new long[] {10, 10, 10, 90}))); // the hot expert moved
      List<PlacementPlan> plans = h.extractOutputValues();
      assertThat(plans).extracting(PlacementPlan::getStep).containsExactly(3L);
      PlacementPlan p = plans.get(0);
      int[] first = ExpertPlacement.plan(new long[] {90, 10, 10, 10}, 6, 2).physicalToLogical();
      int differing = 0;
      for (int s = 0; s < 6; s++) {
        differing += p.getPhysicalToLogical().get(s) != first[s] ? 1 : 0;
      }
      assertThat(p.getReplicasMoved()).as("against the plan restored from state").isEqualTo(differing).isPositive();
      assertThat(p.getGpuLoadCurrent()).hasSize(2);
      assertThat(java.util.Collections.max(p.getGpuLoadAfter())).isLessThan(0.9 * java.util.Collections.max(p.getGpuLoadCurrent()));
    }
  }
}
