package io.convexstream.streams.jobs;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Loss;
import io.convexstream.flink.omd.LearnerFunction;
import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.flink.omd.RoundReader;
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
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Online learners per model: gradient topic (gradient mode) or example topic (example mode) →
 * decode and check → one learner per model id → versioned parameters; rejects → dead letters.
 *
 * <p>Options: {@code learner} (ogd, oomd, oomd-sc, oomd-ec, opt-hedge, ensemble, adagrad, ftrl;
 * default oomd), {@code learner.KEY} for its hyper-parameters (e.g. learner.domain=ball:1),
 * {@code override.PREFIX=ALGORITHM;KEY=VALUE;...} for models whose id starts with PREFIX, {@code
 * loss} (example mode: logistic, squared, hinge, huber, distance), {@code emitEvery}, {@code
 * emitIntervalMs}, {@code maxBufferedSteps}, {@code gapTimeoutMs}, {@code autoCreate}, {@code models}.
 */
public final class LearnerJob<T extends SpecificRecord> implements StreamJob {
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
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "online learners per model: " + input.topicName() + " -> " + Topic.PARAMETERS.topicName();
  }

  /** The learner settings the options describe. */
  public static LearnerSettings settings(Map<String, String> o) {
    List<String> params = new ArrayList<>();
    Map<String, LearnerConfig> overrides = new HashMap<>();
    o.forEach((k, v) -> {
      if (k.startsWith("learner.")) {
        params.add(k.substring("learner.".length()) + "=" + v);
      } else if (k.startsWith("override.")) {
        String[] parts = v.split(";");
        overrides.put(k.substring("override.".length()), LearnerConfig.of(parts[0], Arrays.copyOfRange(parts, 1, parts.length)));
      }
    });
    LearnerConfig learner = LearnerConfig.of(o.getOrDefault("learner", "oomd"), params.toArray(String[]::new));
    String models = o.getOrDefault("models", "");
    return new LearnerSettings(learner, overrides,
        Integer.parseInt(o.getOrDefault("emitEvery", "1")),
        Long.parseLong(o.getOrDefault("emitIntervalMs", "0")),
        Integer.parseInt(o.getOrDefault("maxBufferedSteps", "1000")),
        Long.parseLong(o.getOrDefault("gapTimeoutMs", "10000")),
        Boolean.parseBoolean(o.getOrDefault("autoCreate", "true")),
        models.isBlank() ? new HashSet<>() : new HashSet<>(Arrays.asList(models.split(","))));
  }

  @SuppressWarnings("unchecked")
  private RoundReader<T> reader(Map<String, String> o) {
    if (type == Gradient.class) {
      return (RoundReader<T>) new RoundReader.Gradients();
    }
    return (RoundReader<T>) new RoundReader.Examples(Loss.parse(o.getOrDefault("loss", "logistic")));
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    LearnerSettings learnerSettings = settings(s.options());
    RoundReader<T> reader = reader(s.options());

    SingleOutputStreamOperator<Decoded<T>> decoded = Jobs.decode(env, s, name, input, type, null, check);

    SingleOutputStreamOperator<ParameterUpdate> parameters = decoded
        .keyBy(d -> reader.modelId(d.value))
        .process(new LearnerFunction<>(name, learnerSettings, reader, type))
        .name("learners-" + learnerSettings.learner().algorithm())
        .uid("learners");

    parameters
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.PARAMETERS, ParameterUpdate.class,
            ParameterUpdate::getModelId, s.delivery(), "convexstream-" + name + "-parameters"))
        .name("parameters-sink")
        .uid("parameters-sink");

    Jobs.sinkDeadLetters(s, name, decoded.getSideOutput(DeadLetters.TAG), parameters.getSideOutput(DeadLetters.TAG));
  }
}
