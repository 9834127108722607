package io.convexstream.streams.jobs;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import io.convexstream.flink.moe.BalancerSettings;
import io.convexstream.flink.moe.ExpertBalancerFunction;
import io.convexstream.flink.moe.LoadSource;
import io.convexstream.flink.moe.PlacementFunction;
import io.convexstream.flink.moe.StepLoads;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import io.convexstream.schemas.validate.RecordChecks;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Auxiliary-loss-free MoE load balancing: router load reports (job {@code router-loads}) or raw
 * router score batches (job {@code router-scores}) → one bias vector per (model, layer), updated
 * once per global step → expert bias updates; optionally a placement plan every few steps.
 *
 * <p>Options: {@code rate} (u, 1e-3), {@code variant} (sign|raw), {@code centred}, {@code
 * decaySteps} (n_0 of u_n = u_0/(1+n/n_0); 0 = constant), {@code stepTimeoutMs} (10000), {@code
 * window} (MaxVio_global steps, 100); score batches: {@code topK} (8), {@code scoring}
 * (sigmoid|softmax), {@code groups}, {@code topGroups}; placement: {@code placement.slots} (0 = off),
 * {@code placement.gpus}, {@code placement.window} (100), {@code placement.every} (100).
 */
public final class BalancerJob<T extends SpecificRecord> implements StreamJob {
  private final String name;
  private final Topic input;
  private final Class<T> type;
  private final DecodeFunction.Check<T> check;

  private BalancerJob(String name, Topic input, Class<T> type, DecodeFunction.Check<T> check) {
    this.name = name;
    this.input = input;
    this.type = type;
    this.check = check;
  }

  public static BalancerJob<RouterLoadReport> loadReports() {
    return new BalancerJob<>("router-loads", Topic.ROUTER_LOADS, RouterLoadReport.class, RecordChecks::loadReportProblem);
  }

  public static BalancerJob<RouterScoreBatch> scoreBatches() {
    return new BalancerJob<>("router-scores", Topic.ROUTER_SCORES, RouterScoreBatch.class, RecordChecks::scoreBatchProblem);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "expert biases per (model, layer): " + input.topicName() + " -> " + Topic.EXPERT_BIASES.topicName();
  }

  public static BalancerSettings settings(Map<String, String> o) {
    return new BalancerSettings(
        LoadBalancer.Variant.valueOf(o.getOrDefault("variant", "sign").toUpperCase(Locale.ROOT)),
        Boolean.parseBoolean(o.getOrDefault("centred", "false")),
        Float.parseFloat(o.getOrDefault("rate", "1e-3")),
        Double.parseDouble(o.getOrDefault("decaySteps", "0")),
        Long.parseLong(o.getOrDefault("stepTimeoutMs", "10000")),
        Integer.parseInt(o.getOrDefault("window", "100")),
        Integer.parseInt(o.getOrDefault("topK", "8")),
        Router.Scoring.valueOf(o.getOrDefault("scoring", "sigmoid").toUpperCase(Locale.ROOT)),
        Integer.parseInt(o.getOrDefault("groups", "1")),
        Integer.parseInt(o.getOrDefault("topGroups", "1")));
  }

  @SuppressWarnings("unchecked")
  private LoadSource<T> source(BalancerSettings settings) {
    return type == RouterLoadReport.class ? (LoadSource<T>) new LoadSource.Reports() : (LoadSource<T>) new LoadSource.Scores(settings);
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    BalancerSettings settings = settings(s.options());
    LoadSource<T> source = source(settings);
    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, name, input, type, null, check);
    SingleOutputStreamOperator<ExpertBiasUpdate> biases = decoded
        .keyBy(d -> source.key(d.value))
        .process(new ExpertBalancerFunction<>(name, settings, source, type))
        .name("alf-lb-balancer")
        .uid("alf-lb-balancer");
    biases
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.EXPERT_BIASES, ExpertBiasUpdate.class,
            b -> b.getModelId() + "/" + b.getLayer(), s.delivery(), "convexstream-" + name + "-biases"))
        .name("expert-biases-sink")
        .uid("expert-biases-sink");

    int slots = Integer.parseInt(s.option("placement.slots", "0"));
    if (slots > 0) {
      biases.getSideOutput(StepLoads.TAG)
          .keyBy(l -> l.key)
          .process(new PlacementFunction(slots, Integer.parseInt(s.option("placement.gpus", "1")),
              Integer.parseInt(s.option("placement.window", "100")), Integer.parseInt(s.option("placement.every", "100"))))
          .name("expert-placement")
          .uid("expert-placement")
          .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.PLACEMENT_PLANS, PlacementPlan.class,
              p -> p.getModelId() + "/" + p.getLayer(), s.delivery(), "convexstream-" + name + "-placement"))
          .name("placement-sink")
          .uid("placement-sink");
    }

    Jobs.sinkDeadLetters(s, name, decoded.getSideOutput(DeadLetters.TAG), biases.getSideOutput(DeadLetters.TAG));
  }
}
