package io.convexstream.jobs;

import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerParameter;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.omd.LearnerFunction;
import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.flink.omd.RoundReader;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.validate.RecordChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Online learners per model: gradient topic (gradient mode) or example topic (example mode) →
 * decode and check → one learner per model id → versioned parameters; rejects → dead letters.
 * Options: {@link #options()} ({@code convexstream options gradients}).
 */
public final class LearnerJob<T extends SpecificRecord> implements StreamJob {
  public static final ConfigOption<String> LEARNER = ConfigOptions.key("learner").stringType().defaultValue("oomd")
      .withDescription("Algorithm of every model without an override: ogd, oomd, oomd-sc, oomd-ec, opt-hedge, ensemble, adagrad, ftrl.");
  public static final ConfigOption<Loss> LOSS = ConfigOptions.key("loss").enumType(Loss.class).defaultValue(Loss.LOGISTIC)
      .withDescription("Example mode: the loss whose gradient each example gives.");
  public static final ConfigOption<Integer> EMIT_EVERY = ConfigOptions.key("emitEvery").intType().defaultValue(1)
      .withDescription("Publish a model's parameters after every k-th update.");
  public static final JobOptions.TimeOption EMIT_INTERVAL = JobOptions.TimeOption.of("emitInterval", java.time.Duration.ZERO,
      "Also publish pending parameters this long after an unpublished update (0: off).");
  public static final ConfigOption<Integer> PUBLISH_CHUNK_BYTES = ConfigOptions.key("publish.chunkBytes").intType()
      .defaultValue(LearnerSettings.Publication.DEFAULT_CHUNK_BYTES)
      .withDescription("At most this many bytes of parameter values per output record: a larger publication goes out in chunks "
          + "(at most output.maxBytes less 16 KiB).");
  public static final ConfigOption<Long> PUBLISH_SNAPSHOT_EVERY = ConfigOptions.key("publish.snapshotEvery").longType()
      .defaultValue(LearnerSettings.Publication.DEFAULT_SNAPSHOT_EVERY)
      .withDescription("Learners that change only their gradients' coordinates (ftrl; adagrad and ogd on a box or unconstrained) "
          + "publish deltas, with a full snapshot at least every this many updates (and once the deltas add up to a snapshot).");
  public static final ConfigOption<Integer> MAX_BUFFERED_STEPS = ConfigOptions.key("maxBufferedSteps").intType().defaultValue(1000)
      .withDescription("Out-of-order steps held per model while a missing one is awaited; beyond it the gap is skipped.");
  public static final JobOptions.TimeOption GAP_TIMEOUT = JobOptions.TimeOption.of("gapTimeout", java.time.Duration.ofSeconds(10),
      "How long a missing step is awaited before it is skipped.");
  public static final ConfigOption<Boolean> AUTO_CREATE = ConfigOptions.key("autoCreate").booleanType().defaultValue(true)
      .withDescription("Whether an unknown model id starts a new learner (else it is dead-lettered).");
  public static final ConfigOption<String> MODELS = ConfigOptions.key("models").stringType().defaultValue("")
      .withDescription("With autoCreate=false: the model ids accepted (comma list).");
  /** Room a parameter chunk keeps below output.maxBytes for its key, ids and metrics (a sparse chunk's indices count in chunkBytes). */
  static final int CHUNK_HEADROOM = 16 * 1024;
  private static final String LEARNER_PREFIX = "learner.";
  private static final String OVERRIDE_PREFIX = "override.";
  private static final String EMIT_EVERY_PREFIX = EMIT_EVERY.key() + ".";

  private final String name;
  private final Topic input;
  private final Class<T> type;
  private final DecodeFunction.Check<T> check;

  private LearnerJob(String name, Topic input, Class<T> type, DecodeFunction.Check<T> check) {
    this.name = name;
    this.input = input;
    this.type = type;
    this.check = check;
  }

  public static LearnerJob<Gradient> gradients() {
    return new LearnerJob<>("gradients", Topic.GRADIENTS, Gradient.class, RecordChecks::gradientProblem);
  }

  public static LearnerJob<LabelledExample> examples() {
    return new LearnerJob<>("examples", Topic.EXAMPLES, LabelledExample.class, RecordChecks::exampleProblem);
  }

  @Override
  public java.util.List<Topic> inputs(java.util.Map<String, String> options) {
    return java.util.List.of(input);
  }

  @Override
  public java.util.List<Topic> outputs() {
    return java.util.List.of(Topic.PARAMETERS);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "online learners per model: " + input.topicName() + " -> " + Topic.PARAMETERS.topicName();
  }

  @Override
  public JobOptions options() {
    List<ConfigOption<?>> own = new ArrayList<>(List.of(LEARNER));
    for (LearnerParameter p : LearnerParameter.values()) {
      // read as text: LearnerConfig checks the value against the parameter's type, range and learner
      own.add(ConfigOptions.key(LEARNER_PREFIX + p.key).stringType().noDefaultValue().withDescription(p.meaning + "; "
          + p.kind.description + ", default " + p.defaultText() + ". Used by " + p.usedByIds() + "; any other learner refuses it."));
    }
    if (type == LabelledExample.class) {
      own.add(LOSS);
    }
    own.add(EMIT_EVERY);
    own.addAll(EMIT_INTERVAL.options());
    own.addAll(List.of(PUBLISH_CHUNK_BYTES, PUBLISH_SNAPSHOT_EVERY, MAX_BUFFERED_STEPS));
    own.addAll(GAP_TIMEOUT.options());
    own.addAll(List.of(JobOptions.STATE_TTL, AUTO_CREATE, MODELS));
    return new JobOptions(own, List.of(new JobOptions.OpenPrefix(OVERRIDE_PREFIX,
        "Models whose id starts with <...> get their own learner: ALGORITHM;KEY=VALUE;... (e.g. override.big/=oomd-ec;backend=auto).",
        (prefix, value) -> LearnerConfig.parse(value)),
        new JobOptions.OpenPrefix(EMIT_EVERY_PREFIX,
            "Models whose id starts with <...> publish after every k-th update instead (e.g. emitEvery.big/=100).",
            (prefix, value) -> emitEvery(value))));
  }

  private static int emitEvery(String value) {
    int k = Integer.parseInt(value.trim());
    if (k < 1) {
      throw new IllegalArgumentException("emitEvery must be at least 1, not " + k);
    }
    return k;
  }

  /** The learner settings the options describe (checked: unknown keys, types, algorithms, domains). */
  public LearnerSettings settings(Map<String, String> given) {
    Configuration o = options().parse(given);
    List<String> params = new ArrayList<>();
    Map<String, LearnerConfig> overrides = new HashMap<>();
    Map<String, Integer> emitEveryByPrefix = new HashMap<>();
    given.forEach((k, v) -> {
      if (k.startsWith(LEARNER_PREFIX)) {
        params.add(k.substring(LEARNER_PREFIX.length()) + "=" + v);
      } else if (k.startsWith(OVERRIDE_PREFIX)) {
        overrides.put(k.substring(OVERRIDE_PREFIX.length()), LearnerConfig.parse(v));
      } else if (k.startsWith(EMIT_EVERY_PREFIX)) {
        emitEveryByPrefix.put(k.substring(EMIT_EVERY_PREFIX.length()), emitEvery(v));
      }
    });
    LearnerConfig learner = LearnerConfig.of(o.get(LEARNER), params.toArray(String[]::new));
    if ("rocksdb".equals(o.getOptional(JobOptions.STATE_BACKEND).orElse(null))) {
      refuseMatricesOnRocksDb(learner, overrides);
    }
    String models = o.get(MODELS);
    int chunkBytes = o.get(PUBLISH_CHUNK_BYTES);
    int maxBytes = o.get(JobOptions.OUTPUT_MAX_BYTES);
    if (chunkBytes > maxBytes - CHUNK_HEADROOM) { // a chunk's key, ids and metrics must fit beside its values
      throw new IllegalArgumentException(PUBLISH_CHUNK_BYTES.key() + " " + chunkBytes + " leaves less than " + CHUNK_HEADROOM
          + " bytes below " + JobOptions.OUTPUT_MAX_BYTES.key() + " " + maxBytes);
    }
    return new LearnerSettings(learner, overrides, o.get(EMIT_EVERY), EMIT_INTERVAL.millisIn(o), o.get(MAX_BUFFERED_STEPS),
        GAP_TIMEOUT.millisIn(o), o.get(AUTO_CREATE),
        models.isBlank() ? new HashSet<>() : new HashSet<>(Arrays.asList(models.split(","))),
        new LearnerSettings.Publication(chunkBytes, o.get(PUBLISH_SNAPSHOT_EVERY), emitEveryByPrefix));
  }

  /**
   * oomd-ec keeps two d×d matrices per model and changes every entry of both on every update (a
   * rank-one update and its Sherman–Morrison inverse): on RocksDB each record would deserialize and
   * rewrite 16·d² bytes, measured 10–13× the heap's per-record cost at d = 100–1 000 (BENCHMARKS.md).
   * No layout avoids that, so the combination is refused: such models belong on the heap backend.
   */
  private static void refuseMatricesOnRocksDb(LearnerConfig learner, Map<String, LearnerConfig> overrides) {
    List<String> who = new ArrayList<>();
    if (learner.algorithm().equals("oomd-ec")) {
      who.add("learner");
    }
    overrides.forEach((prefix, c) -> {
      if (c.algorithm().equals("oomd-ec")) {
        who.add(OVERRIDE_PREFIX + prefix);
      }
    });
    if (!who.isEmpty()) {
      throw new IllegalArgumentException("oomd-ec (" + String.join(", ", who) + ") with state.backend.type=rocksdb: its d×d matrices "
          + "change entirely on every update, so RocksDB would rewrite 16·d² bytes per record (10–13× the heap's cost at d = 100–1 000, BENCHMARKS.md); "
          + "run oomd-ec models on state.backend.type=hashmap");
    }
  }

  @SuppressWarnings("unchecked")
  private RoundReader<T> reader(Map<String, String> given) {
    if (type == Gradient.class) {
      return (RoundReader<T>) new RoundReader.Gradients();
    }
    return (RoundReader<T>) new RoundReader.Examples(options().parse(given).get(LOSS));
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    LearnerSettings learnerSettings = settings(s.options());
    RoundReader<T> reader = reader(s.options());

    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, name, input, type, null, check);

    SingleOutputStreamOperator<ParameterUpdate> parameters = decoded
        .keyBy(d -> reader.modelId(d.value))
        .process(new LearnerFunction<>(name, learnerSettings, reader, type,
            options().parse(s.options()).getOptional(JobOptions.STATE_TTL).orElse(null)))
        .name("learners-" + learnerSettings.learner().algorithm())
        .uid("learners");

    var unpublished = Jobs.publish(parameters, s, name, Topic.PARAMETERS, ParameterUpdate.class, ParameterUpdate::getModelId, "parameters",
        "parameters-sink");

    Jobs.sinkDeadLetters(s, name, decoded.getSideOutput(DeadLetters.TAG), parameters.getSideOutput(DeadLetters.TAG), unpublished);
  }
}
