package io.convexstream.flink.loop;

import io.convexstream.core.join.FeedbackJoin;

/** One entry of the join's buffer in keyed state (a Flink POJO): {@link FeedbackJoin.Item} without its time, which keys the map. */
public class WaitingInput {
  /** {@link FeedbackJoin.Kind} ordinal. */
  public int kind;
  public String id;
  public double label;
  public double weight;
  public LoopEvent payload;

  public WaitingInput() {}

  static WaitingInput of(FeedbackJoin.Item<LoopEvent> item) {
    WaitingInput w = new WaitingInput();
    w.kind = item.kind().ordinal();
    w.id = item.id();
    w.label = item.label();
    w.weight = item.weight();
    w.payload = item.features();
    return w;
  }

  FeedbackJoin.Item<LoopEvent> at(long time) {
    return new FeedbackJoin.Item<>(time, FeedbackJoin.Kind.values()[kind], id, payload, label, weight);
  }
}
