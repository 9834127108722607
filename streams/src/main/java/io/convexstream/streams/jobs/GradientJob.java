package io.convexstream.streams.jobs;

import io.convexstream.connectors.flink.DeadLetters;
import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.flink.RawRecord;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.flink.omd.GradientLearnerFunction;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.validate.RecordChecks;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Gradient topic → decode and check → one learner per model (keyed by model id) → parameter topic;
 * every rejected record → dead-letter topic.
 */
public final class GradientJob implements StreamJob {
  public static final String NAME = "gradients";
  /** Radius of the L2-ball decision set and the gradient bound G used for the OGD step size. */
  private final double radius;
  private final double gradientBound;

  public GradientJob() {
    this(1.0, 1.0);
  }

  public GradientJob(double radius, double gradientBound) {
    this.radius = radius;
    this.gradientBound = gradientBound;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "online gradient descent per model: " + Topic.GRADIENTS.topicName() + " -> " + Topic.PARAMETERS.topicName();
  }

  @Override
  public void build(StreamExecutionEnvironment env, JobSettings s) {
    DataStream<RawRecord> raw = env
        .fromSource(KafkaIO.rawSource(s.bootstrapServers(), s.groupId(), s.bounded(), Topic.GRADIENTS),
            WatermarkStrategy.noWatermarks(), "gradients-source")
        .uid("gradients-source");

    SingleOutputStreamOperator<Decoded<Gradient>> decoded = raw
        .process(new DecodeFunction<>(Gradient.class, RecordChecks::gradientProblem, NAME), Decoded.typeInfo(Gradient.class))
        .name("decode-gradients")
        .uid("decode-gradients");

    SingleOutputStreamOperator<ParameterUpdate> parameters = decoded
        .keyBy(d -> d.value.getModelId())
        .process(new GradientLearnerFunction(NAME, radius, gradientBound))
        .name("online-gradient-descent")
        .uid("online-gradient-descent");

    parameters
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.PARAMETERS, ParameterUpdate.class,
            ParameterUpdate::getModelId, s.delivery(), "convexstream-" + NAME + "-parameters"))
        .name("parameters-sink")
        .uid("parameters-sink");

    DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DeadLetters.TAG)
        .union(parameters.getSideOutput(DeadLetters.TAG));
    deadLetters
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.DEAD_LETTERS, DeadLetter.class,
            DeadLetter::getSourceTopic, s.delivery(), "convexstream-" + NAME + "-dead-letters"))
        .name("dead-letter-sink")
        .uid("dead-letter-sink");
  }
}
