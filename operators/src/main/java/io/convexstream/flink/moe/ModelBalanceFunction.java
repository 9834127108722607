package io.convexstream.flink.moe;

import io.convexstream.flink.IdleKeys;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.schemas.ExpertBiasUpdate;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A model's balance over its layers, keyed by model: each layer's latest MaxVio (of the step's global
 * batch, and over the balancer's window) is kept, and the gauges {@code model.<id>.maxVio{Batch,Global}
 * {Mean,Max}} give their mean and maximum over the layers seen (the mean over layers is what trainers
 * usually log, the maximum what an alert wants). Nothing is published to Kafka: the layers' outputs
 * carry their own figures, and a reader that holds one step of every layer forms the same numbers;
 * the {@link Balance} records it emits go nowhere in the job (tests read them).
 */
public final class ModelBalanceFunction extends KeyedProcessFunction<String, ExpertBiasUpdate, ModelBalanceFunction.Balance> {
  /** What the gauges show after an update of {@code step}: values in the order of {@link #GAUGES}. */
  public record Balance(String model, long step, double[] figures) {}

  private static final long serialVersionUID = 1L;
  static final String[] GAUGES = {"maxVioBatchMean", "maxVioBatchMax", "maxVioGlobalMean", "maxVioGlobalMax", "layers"};
  private final IdleKeys idleKeys;
  private transient MapState<Integer, double[]> layers; // layer -> {step, maxVioBatch, maxVioGlobal}
  private transient OperatorMetrics metrics;

  /** {@code stateTtl}: as the balancer's, a model with no update for that long is forgotten (null: kept). */
  public ModelBalanceFunction(Duration stateTtl) {
    this.idleKeys = new IdleKeys(stateTtl);
  }

  @Override
  public void open(OpenContext ctx) {
    metrics = OperatorMetrics.register(getRuntimeContext());
    layers = getRuntimeContext().getMapState(new MapStateDescriptor<>("layer-balance", Types.INT,
        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
    idleKeys.open(getRuntimeContext(), metrics);
  }

  @Override
  public void processElement(ExpertBiasUpdate u, Context ctx, Collector<Balance> out) throws Exception {
    idleKeys.touch(ctx.timerService());
    Double global = u.getMetrics() == null ? null : u.getMetrics().get("maxVioGlobal");
    double[] held = layers.get(u.getLayer());
    if (held != null && held[0] > u.getStep()) {
      return; // an older step of the layer (a replayed duplicate): the latest stays
    }
    layers.put(u.getLayer(), new double[] {u.getStep(), u.getMaxViolation(), global == null ? Double.NaN : global});
    double[] figures = figures(layers.entries());
    metrics.keyGauges("model", ctx.getCurrentKey(), GAUGES, figures);
    out.collect(new Balance(ctx.getCurrentKey(), u.getStep(), figures));
  }

  /** {mean, max} of the batch MaxVio, {mean, max} of the global one, and the layer count. */
  private static double[] figures(Iterable<Map.Entry<Integer, double[]>> layers) {
    double batchSum = 0;
    double batchMax = Double.NEGATIVE_INFINITY;
    double globalSum = 0;
    double globalMax = Double.NEGATIVE_INFINITY;
    int n = 0;
    for (Map.Entry<Integer, double[]> e : layers) {
      double[] v = e.getValue();
      batchSum += v[1];
      batchMax = Math.max(batchMax, v[1]);
      globalSum += v[2];
      globalMax = Math.max(globalMax, v[2]);
      n++;
    }
    return new double[] {batchSum / n, batchMax, globalSum / n, globalMax, n};
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Balance> out) throws Exception {
    if (idleKeys.expires(timestamp, ctx.timerService(), false)) {
      layers.clear();
    }
  }
}
