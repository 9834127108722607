package io.convexstream.flink.moe;

import org.apache.flink.util.OutputTag;

/** The loads of one closed global step of one (model, layer), for the placement planner. */
public class StepLoads {
  /** Side output of the balancer carrying every closed step's loads. */
  public static final OutputTag<StepLoads> TAG = new OutputTag<>("step-loads") {};

  public String key;
  public long step;
  public long[] loads;

  public StepLoads() {}

  public StepLoads(String key, long step, long[] loads) {
    this.key = key;
    this.step = step;
    this.loads = loads;
  }
}
