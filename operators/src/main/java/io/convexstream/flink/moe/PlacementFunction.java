package io.convexstream.flink.moe;

import io.convexstream.core.moe.BalanceWindow;
import io.convexstream.core.moe.ExpertPlacement;
import io.convexstream.core.moe.Replanning;
import io.convexstream.schemas.PlacementPlan;
import java.time.Instant;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The slower companion of the balancer: keeps the loads of the last {@code window} closed steps per
 * (model, layer) and every {@code every} steps (at the first closed step at or past each multiple of
 * {@code every}, so a skipped step does not skip its plan) publishes an expert-parallel placement plan for
 * {@code slots} physical slots on {@code gpus} GPUs, hierarchical over {@code nodes} nodes (whole
 * expert groups per node) when there are more than one ({@link ExpertPlacement}). The plan in force
 * is kept in state, and a new one is published only when it improves on it by {@code minGain}
 * ({@link Replanning}); each plan says how many replicas it moves.
 */
public final class PlacementFunction extends KeyedProcessFunction<String, StepLoads, PlacementPlan> {
  private static final long serialVersionUID = 1L;
  private final int slots;
  private final int gpus;
  private final int groups;
  private final int nodes;
  private final int window;
  private final int every;
  private final double minGain;
  private transient ValueState<long[][]> steps;
  private transient ValueState<int[]> current; // slot → expert of the plan in force
  private transient ValueState<Long> lastPlanned; // the step of the last plan
  private transient org.apache.flink.metrics.Counter impossible;
  private transient org.apache.flink.metrics.Counter kept;
  private transient org.apache.flink.metrics.Counter moved;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PlacementFunction.class);

  public PlacementFunction(int slots, int gpus, int groups, int nodes, int window, int every, double minGain) {
    if (every < 1 || window < 1) {
      throw new IllegalArgumentException("window and every must be positive");
    }
    if (!(minGain >= 0 && minGain < 1)) {
      throw new IllegalArgumentException("placement.minGain must be in [0, 1): a fraction of the heaviest GPU's load, was " + minGain);
    }
    ExpertPlacement.checkNodes(slots, gpus, groups, nodes); // at job build, not at the first plan
    this.slots = slots;
    this.gpus = gpus;
    this.groups = groups;
    this.nodes = nodes;
    this.window = window;
    this.every = every;
    this.minGain = minGain;
  }

  @Override
  public void open(OpenContext ctx) {
    steps = getRuntimeContext().getState(new ValueStateDescriptor<>("load-window", long[][].class));
    impossible = getRuntimeContext().getMetricGroup().counter("placementImpossible");
    kept = getRuntimeContext().getMetricGroup().counter("placementKept");
    moved = getRuntimeContext().getMetricGroup().counter("placementReplicasMoved");
    current = getRuntimeContext().getState(new ValueStateDescriptor<>("current-plan", int[].class));
    lastPlanned = getRuntimeContext().getState(new ValueStateDescriptor<>("last-planned-step", org.apache.flink.api.common.typeinfo.Types.LONG));
  }

  @Override
  public void processElement(StepLoads in, Context ctx, Collector<PlacementPlan> out) throws Exception {
    long[][] saved = steps.value();
    BalanceWindow w = BalanceWindow.of(window, in.loads.length, saved == null ? new long[0][] : saved);
    w.add(in.loads);
    long[][] now = w.steps();
    steps.update(now);
    Long last = lastPlanned.value();
    if (last == null) { // first step seen (or state from before this field): as if planned at the multiple before it
      last = Math.floorDiv(in.step - 1, every) * every;
      lastPlanned.update(last);
    }
    // a plan once a multiple of `every` is reached or passed: a skipped step (timed out, no loads) must not skip its plan
    if (Math.floorDiv(in.step, every) <= Math.floorDiv(last, every)) {
      return;
    }
    lastPlanned.update(in.step);
    Replanning.Decision decision;
    try {
      decision = Replanning.decide(current.value(), w.totals(), slots, gpus, groups, nodes, minGain);
    } catch (IllegalArgumentException e) { // this layer's expert count does not fit the hardware described: no plan, not a restart loop
      impossible.inc();
      LOG.warn("no placement plan for {} at step {}: {} experts, {}", in.key, in.step, in.loads.length, e.getMessage());
      return;
    }
    if (!decision.publish()) {
      kept.inc();
      return;
    }
    ExpertPlacement.Plan plan = decision.plan();
    current.update(plan.physicalToLogical());
    moved.inc(Math.max(0, decision.moved()));
    int slash = in.key.lastIndexOf('/');
    out.collect(PlacementPlan.newBuilder()
        .setModelId(in.key.substring(0, slash))
        .setLayer(Integer.parseInt(in.key.substring(slash + 1)))
        .setStep(in.step)
        .setWindowSteps(now.length)
        .setGpus(gpus)
        .setPhysicalToLogical(Arrays.stream(plan.physicalToLogical()).boxed().toList())
        .setReplicas(Arrays.stream(plan.replicas()).boxed().toList())
        .setGpuLoadBefore(Arrays.stream(plan.gpuLoadBefore()).boxed().toList())
        .setGpuLoadAfter(Arrays.stream(plan.gpuLoadAfter()).boxed().toList())
        .setGpuLoadCurrent(Arrays.stream(decision.currentLoads()).boxed().toList())
        .setReplicasMoved(decision.moved() < 0 ? null : decision.moved())
        .setEventTime(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime()))
        .build());
  }
}
