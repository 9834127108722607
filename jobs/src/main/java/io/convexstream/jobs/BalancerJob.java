package io.convexstream.jobs;

import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.moe.BalancerSettings;
import io.convexstream.flink.moe.ExpertBalancerFunction;
import io.convexstream.flink.moe.LoadSource;
import io.convexstream.flink.moe.ModelBalanceFunction;
import io.convexstream.flink.moe.PlacementFunction;
import io.convexstream.flink.moe.StepLoads;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import io.convexstream.schemas.validate.RecordChecks;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Auxiliary-loss-free MoE load balancing: router load reports (job {@code router-loads}) or raw
 * router score batches (job {@code router-scores}) → one bias vector per (model, layer), updated
 * once per global step → expert bias updates; optionally a placement plan every few steps.
 * Options: {@link #options()} ({@code convexstream options router-loads}).
 */
public final class BalancerJob<T extends SpecificRecord> implements StreamJob {
  private static final BalancerSettings DEFAULTS = BalancerSettings.defaults();
  public static final ConfigOption<Float> RATE = ConfigOptions.key("rate").floatType().defaultValue(DEFAULTS.rate())
      .withDescription("Bias update rate u (u_0 with decaySteps).");
  public static final ConfigOption<LoadBalancer.Variant> VARIANT = ConfigOptions.key("variant").enumType(LoadBalancer.Variant.class)
      .defaultValue(DEFAULTS.variant()).withDescription("Bias update: sign (u·sign(mean − c_i)) or raw (u·(mean − c_i)/mean).");
  public static final ConfigOption<Boolean> CENTRED = ConfigOptions.key("centred").booleanType().defaultValue(DEFAULTS.centred())
      .withDescription("Subtract the mean of each bias update.");
  public static final ConfigOption<Double> DECAY_STEPS = ConfigOptions.key("decaySteps").doubleType().defaultValue(DEFAULTS.decaySteps())
      .withDescription("n_0 of u_n = u_0/(1 + n/n_0); 0 keeps u constant.");
  public static final JobOptions.TimeOption STEP_TIMEOUT = JobOptions.TimeOption.of("stepTimeout",
      java.time.Duration.ofMillis(DEFAULTS.stepTimeoutMillis()), "A step closes this long after its first report even if ranks are missing.");
  public static final ConfigOption<Integer> WINDOW = ConfigOptions.key("window").intType().defaultValue(DEFAULTS.window())
      .withDescription("Steps in MaxVio_global.");
  public static final ConfigOption<Long> MAX_BIAS_STALENESS = ConfigOptions.key("maxBiasStaleness").longType()
      .defaultValue(DEFAULTS.maxBiasStaleness())
      .withDescription("Load reports routed with biases more than this many steps older than the step before theirs are dead-lettered.");
  public static final ConfigOption<Integer> TOP_K = ConfigOptions.key("topK").intType().defaultValue(DEFAULTS.topK())
      .withDescription("Score batches: experts per token.");
  public static final ConfigOption<Router.Scoring> SCORING = ConfigOptions.key("scoring").enumType(Router.Scoring.class)
      .defaultValue(DEFAULTS.scoring()).withDescription("Score batches: router scoring.");
  public static final ConfigOption<Integer> GROUPS = ConfigOptions.key("groups").intType().defaultValue(DEFAULTS.groups())
      .withDescription("Expert groups for group-limited routing (1: none): score batches route by them; with placement.nodes > 1 "
          + "placement keeps each group's replicas on one node.");
  public static final ConfigOption<Integer> TOP_GROUPS = ConfigOptions.key("topGroups").intType().defaultValue(DEFAULTS.topGroups())
      .withDescription("Score batches: groups kept per token.");
  public static final ConfigOption<Integer> PLACEMENT_SLOTS = ConfigOptions.key("placement.slots").intType().defaultValue(0)
      .withDescription("Expert slots (physical expert positions over all GPUs) for placement plans; 0: no plans, since only you know "
          + "your hardware (set it and placement.gpus to get convexstream.placement-plans).");
  public static final ConfigOption<Integer> PLACEMENT_GPUS = ConfigOptions.key("placement.gpus").intType().defaultValue(1)
      .withDescription("GPUs the slots are spread over.");
  public static final ConfigOption<Integer> PLACEMENT_NODES = ConfigOptions.key("placement.nodes").intType().defaultValue(1)
      .withDescription("Nodes the GPUs are on (GPU g on node g / (gpus/nodes)); above 1, plans are hierarchical: whole expert groups "
          + "(groups) per node, so group-limited routing's traffic stays within the nodes of its groups.");
  public static final ConfigOption<Integer> PLACEMENT_WINDOW = ConfigOptions.key("placement.window").intType().defaultValue(100)
      .withDescription("Steps of loads a plan is computed from.");
  public static final ConfigOption<Integer> PLACEMENT_EVERY = ConfigOptions.key("placement.every").intType().defaultValue(100)
      .withDescription("A plan is considered every this many steps.");
  public static final ConfigOption<Double> PLACEMENT_MIN_GAIN = ConfigOptions.key("placement.minGain").doubleType().defaultValue(0.0)
      .withDescription("A considered plan is published only if, on the window's loads, its heaviest GPU carries at least this fraction "
          + "less than the heaviest GPU of the plan in force (0: whenever it is no worse; 0.05: skip gains under 5 %); a layer's first "
          + "plan is always published. Each plan says how many replicas it moves (replicasMoved).");

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
  public java.util.List<Topic> inputs(java.util.Map<String, String> options) {
    return java.util.List.of(input);
  }

  @Override
  public java.util.List<Topic> outputs() {
    return java.util.List.of(Topic.EXPERT_BIASES, Topic.PLACEMENT_PLANS);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "expert biases per (model, layer): " + input.topicName() + " -> " + Topic.EXPERT_BIASES.topicName();
  }

  @Override
  public JobOptions options() {
    List<ConfigOption<?>> own = new ArrayList<>(List.of(RATE, VARIANT, CENTRED, DECAY_STEPS, STEP_TIMEOUT.duration(), STEP_TIMEOUT.millis(), WINDOW, JobOptions.STATE_TTL));
    if (type == RouterLoadReport.class) {
      own.add(MAX_BIAS_STALENESS);
    } else {
      own.addAll(List.of(TOP_K, SCORING, GROUPS, TOP_GROUPS));
    }
    own.addAll(List.of(PLACEMENT_SLOTS, PLACEMENT_GPUS, PLACEMENT_NODES, PLACEMENT_WINDOW, PLACEMENT_EVERY, PLACEMENT_MIN_GAIN));
    return new JobOptions(own);
  }

  /** The balancer settings the options describe (checked). */
  public static BalancerSettings settings(Configuration o) {
    return new BalancerSettings(o.get(VARIANT), o.get(CENTRED), o.get(RATE), o.get(DECAY_STEPS), STEP_TIMEOUT.millisIn(o),
        o.get(WINDOW), o.get(TOP_K), o.get(SCORING), o.get(GROUPS), o.get(TOP_GROUPS), o.get(MAX_BIAS_STALENESS));
  }

  @SuppressWarnings("unchecked")
  private LoadSource<T> source(BalancerSettings settings) {
    return type == RouterLoadReport.class ? (LoadSource<T>) new LoadSource.Reports() : (LoadSource<T>) new LoadSource.Scores(settings);
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    Configuration o = options().parse(s.options());
    BalancerSettings settings = settings(o);
    LoadSource<T> source = source(settings);
    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, name, input, type, null, check);
    SingleOutputStreamOperator<ExpertBiasUpdate> biases = decoded
        .keyBy(d -> source.key(d.value))
        .process(new ExpertBalancerFunction<>(name, settings, source, type, o.getOptional(JobOptions.STATE_TTL).orElse(null)))
        .name("alf-lb-balancer")
        .uid("alf-lb-balancer");
    biases.keyBy(ExpertBiasUpdate::getModelId)
        .process(new ModelBalanceFunction(o.getOptional(JobOptions.STATE_TTL).orElse(null)))
        .name("model-balance")
        .uid("model-balance");
    var unpublished = Jobs.publish(biases, s, name, Topic.EXPERT_BIASES, ExpertBiasUpdate.class,
        b -> b.getModelId() + "/" + b.getLayer(), "biases", "expert-biases-sink");

    int slots = o.get(PLACEMENT_SLOTS);
    if (slots > 0) {
      var plans = biases.getSideOutput(StepLoads.TAG)
          .keyBy(l -> l.key)
          .process(new PlacementFunction(slots, o.get(PLACEMENT_GPUS), o.get(GROUPS), o.get(PLACEMENT_NODES), o.get(PLACEMENT_WINDOW),
              o.get(PLACEMENT_EVERY), o.get(PLACEMENT_MIN_GAIN)))
          .name("expert-placement")
          .uid("expert-placement");
      unpublished = unpublished.union(Jobs.publish(plans, s, name, Topic.PLACEMENT_PLANS, PlacementPlan.class,
          p -> p.getModelId() + "/" + p.getLayer(), "placement", "placement-sink"));
    }

    Jobs.sinkDeadLetters(s, name, decoded.getSideOutput(DeadLetters.TAG), biases.getSideOutput(DeadLetters.TAG), unpublished);
  }
}
