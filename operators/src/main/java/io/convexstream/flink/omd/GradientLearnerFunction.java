package io.convexstream.flink.omd;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.core.linalg.Vectors;
import io.convexstream.core.omd.OnlineGradientDescent;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.codec.AvroCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One learner per model id (the key): applies each gradient with projected OGD and publishes the
 * new parameters with a version. Gradients whose step is not after the last applied step
 * (duplicates, out of order) or whose dimension differs from the model's are dead-lettered.
 */
public final class GradientLearnerFunction extends KeyedProcessFunction<String, Decoded<Gradient>, ParameterUpdate> {
  private static final long serialVersionUID = 1L;

  private final String job;
  private final double radius;
  private final double gradientBound;
  private final AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
  private transient OnlineGradientDescent ogd;
  private transient ValueState<LearnerState> state;
  private transient Counter applied;
  private transient Counter deadLettered;

  public GradientLearnerFunction(String job, double radius, double gradientBound) {
    this.job = job;
    this.radius = radius;
    this.gradientBound = gradientBound;
  }

  @Override
  public void open(OpenContext ctx) {
    ogd = new OnlineGradientDescent(radius, gradientBound);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("learner", LearnerState.class));
    applied = getRuntimeContext().getMetricGroup().counter("applied");
    deadLettered = getRuntimeContext().getMetricGroup().counter(DeadLetters.METRIC);
  }

  @Override
  public void processElement(Decoded<Gradient> in, Context ctx, Collector<ParameterUpdate> out) throws Exception {
    Gradient g = in.value;
    NumericVector v = g.getGradient();
    LearnerState s = state.value();
    if (s == null) {
      s = new LearnerState(v.getDim());
    }
    if (v.getDim() != s.x.length) {
      reject(in, ctx, "dimension mismatch: model " + g.getModelId() + " has dimension " + s.x.length + ", gradient has " + v.getDim());
      return;
    }
    if (g.getStep() <= s.lastStep) {
      reject(in, ctx, "stale step " + g.getStep() + ": model " + g.getModelId() + " already applied step " + s.lastStep);
      return;
    }
    int[] indices = v.getIndices() == null ? null : v.getIndices().stream().mapToInt(Integer::intValue).toArray();
    double[] values = v.getValues().stream().mapToDouble(Double::doubleValue).toArray();
    long t = s.updates + 1;
    double eta = ogd.stepSize(t);
    double norm = ogd.update(s.x, t, indices, values);
    s.updates = t;
    s.lastStep = g.getStep();
    state.update(s);
    applied.inc();

    Map<String, Double> metrics = new HashMap<>();
    metrics.put("stepSize", eta);
    metrics.put("parameterNorm", norm);
    metrics.put("gradientNorm", Vectors.norm2(values));
    if (g.getLoss() != null) {
      metrics.put("loss", g.getLoss());
    }
    List<Double> params = new ArrayList<>(s.x.length);
    for (double e : s.x) {
      params.add(e);
    }
    out.collect(ParameterUpdate.newBuilder()
        .setModelId(g.getModelId())
        .setVersion(t)
        .setStep(g.getStep())
        .setParameters(new NumericVector(s.x.length, null, params))
        .setMetrics(metrics)
        .setEventTime(g.getEventTime())
        .build());
  }

  private void reject(Decoded<Gradient> in, Context ctx, String reason) {
    deadLettered.inc();
    ctx.output(DeadLetters.TAG, DeadLetters.of(in, codec, DeadLetters.APPLY, reason, job));
  }
}
