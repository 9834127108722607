package io.convexstream.cli.bench;

import io.convexstream.connectors.flink.EncodedRecord;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.flink.RawRecord;
import io.convexstream.jobs.JobOptions;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The jobs a pipeline is measured against, on the same input records, checkpoints and state
 * backend: what Kafka and Flink cost before convexstream does anything.
 *
 * <ul>
 *   <li>{@link Passthrough}: Kafka source → exactly-once Kafka sink of the same keys and values;
 *   <li>{@link Keyed}: the same with a keyBy on the record's key and one {@code ValueState<byte[]>}
 *       of the pipeline's state size read and written per record, as a keyed operator does.
 * </ul>
 */
final class Baselines {
  private Baselines() {}

  /** Their output topic: copies of the input, outside the topic catalogue. */
  static final String TOPIC = "convexstream.bench.baseline";

  /** A job that copies {@code inputs} to {@link #TOPIC}: no options, outputs outside the catalogue. */
  private abstract static class Copy implements StreamJob {
    final List<Topic> inputs;

    Copy(List<Topic> inputs) {
      this.inputs = List.copyOf(inputs);
    }

    @Override
    public List<Topic> inputs(Map<String, String> options) {
      return inputs;
    }

    String names() {
      return String.join(" and ", inputs.stream().map(Topic::topicName).toList());
    }

    @Override
    public List<Topic> outputs() {
      return List.of();
    }

    @Override
    public JobOptions options() {
      return new JobOptions(List.of());
    }
  }

  static final class Passthrough extends Copy {
    Passthrough(List<Topic> inputs) {
      super(inputs);
    }

    @Override
    public String name() {
      return "baseline";
    }

    @Override
    public String description() {
      return "copies " + names() + " to " + TOPIC;
    }

    @Override
    public void build(StreamExecutionEnvironment env, JobSettings s) {
      sink(source(env, s, inputs).map(r -> new EncodedRecord(r.key, r.value)).returns(EncodedRecord.class), s);
    }
  }

  static final class Keyed extends Copy {
    private final int stateBytes;

    Keyed(List<Topic> inputs, int stateBytes) {
      super(inputs);
      this.stateBytes = stateBytes;
    }

    @Override
    public String name() {
      return "keyed-baseline";
    }

    @Override
    public String description() {
      return "copies " + names() + " to " + TOPIC + " through a keyed " + stateBytes + "-byte ValueState";
    }

    @Override
    public void build(StreamExecutionEnvironment env, JobSettings s) {
      sink(source(env, s, inputs)
          .keyBy(r -> new String(r.key, StandardCharsets.UTF_8), Types.STRING)
          .process(new TouchState(stateBytes))
          .name("keyed-state"), s);
    }
  }

  /**
   * Reads the key's state, changes it in place and writes it back, as the learner does with its
   * state object: on the heap that is a reference, on RocksDB a deserialization and a serialization
   * of {@code stateBytes} bytes per record.
   */
  static final class TouchState extends KeyedProcessFunction<String, RawRecord, EncodedRecord> {
    private final int stateBytes;
    private transient ValueState<byte[]> state;

    TouchState(int stateBytes) {
      this.stateBytes = stateBytes;
    }

    @Override
    public void open(OpenContext context) {
      state = getRuntimeContext().getState(new ValueStateDescriptor<>("state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<EncodedRecord> out) throws Exception {
      byte[] s = state.value();
      if (s == null) {
        s = new byte[stateBytes];
      }
      s[(int) (r.offset % s.length)]++;
      state.update(s);
      out.collect(new EncodedRecord(r.key, r.value));
    }
  }

  private static DataStream<RawRecord> source(StreamExecutionEnvironment env, JobSettings s, List<Topic> inputs) {
    return env.fromSource(KafkaIO.rawSource(s.kafka(), s.groupId(), false, inputs.toArray(Topic[]::new)), WatermarkStrategy.noWatermarks(),
        "source");
  }

  private static void sink(DataStream<EncodedRecord> out, JobSettings s) {
    out.sinkTo(KafkaIO.sink(s.kafka(), TOPIC, s.delivery(), s.groupId()));
  }
}
