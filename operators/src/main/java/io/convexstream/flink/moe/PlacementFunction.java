package io.convexstream.flink.moe;

import io.convexstream.core.moe.BalanceWindow;
import io.convexstream.core.moe.ExpertPlacement;
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
 * expert groups per node) when there are more than one ({@link ExpertPlacement}).
 */
public final class PlacementFunction extends KeyedProcessFunction<String, StepLoads, PlacementPlan> {
  private static final long serialVersionUID = 1L;
  private final int slots;
  private final int gpus;
  private final int groups;
  private final int nodes;
  private final int window;
  private final int every;
  private transient ValueState<long[][]> steps;
  private transient ValueState<Long> lastPlanned; // the step of the last plan
  private transient org.apache.flink.metrics.Counter impossible;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PlacementFunction.class);

  public PlacementFunction(int slots, int gpus, int groups, int nodes, int window, int every) {
    if (every < 1 || window < 1) {
      throw new IllegalArgumentException("window and every must be positive");
    }
    ExpertPlacement.checkNodes(slots, gpus, groups, nodes); // at job build, not at the first plan
    this.slots = slots;
    this.gpus = gpus;
    this.groups = groups;
    this.nodes = nodes;
    this.window = window;
    this.every = every;
  }

  @Override
  public void open(OpenContext ctx) {
    steps = getRuntimeContext().getState(new ValueStateDescriptor<>("load-window", long[][].class));
    impossible = getRuntimeContext().getMetricGroup().counter("placementImpossible");
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
    ExpertPlacement.Plan plan;
    try {
      plan = ExpertPlacement.plan(w.totals(), slots, gpus, groups, nodes);
    } catch (IllegalArgumentException e) { // this layer's expert count does not fit the hardware described: no plan, not a restart loop
      impossible.inc();
      LOG.warn("no placement plan for {} at step {}: {} experts, {}", in.key, in.step, in.loads.length, e.getMessage());
      return;
    }
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
        .setEventTime(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime()))
        .build());
  }
}
