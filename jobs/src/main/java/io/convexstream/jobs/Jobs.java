package io.convexstream.jobs;

import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.EncodedRecord;
import io.convexstream.connectors.flink.FailureInjector;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.flink.OutputEncoder;
import io.convexstream.connectors.flink.RecordingSource;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.DecodedSerializer;
import io.convexstream.flink.RawRecord;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.schemas.DeadLetter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The runnable jobs by name, and how an environment is prepared for them. */
public final class Jobs {
  private Jobs() {}

  public static Map<String, StreamJob> all() {
    Map<String, StreamJob> jobs = new LinkedHashMap<>();
    for (StreamJob j : List.<StreamJob>of(LearnerJob.gradients(), LearnerJob.examples(), new LearningLoopJob(), BalancerJob.loadReports(), BalancerJob.scoreBatches(), new PortfolioJob())) {
      jobs.put(j.name(), j);
    }
    return jobs;
  }

  public static StreamJob byName(String name) {
    StreamJob job = all().get(name);
    if (job == null) {
      throw new IllegalArgumentException("unknown job '" + name + "'; known: " + all().keySet());
    }
    return job;
  }

  /**
   * Event time for jobs that need it: read from each value, watermarks per input partition with
   * bounded out-of-orderness, and (live only) idleness after {@code idleMillis} (0: never).
   */
  public record EventTime<T>(KafkaIO.EventTimeOf<T> of, long outOfOrderMillis, long idleMillis) implements java.io.Serializable {}

  /**
   * The first stage every job shares: the raw records of {@code topic} — from Kafka, or from a
   * recording when the option {@code replay.dir} names one — decoded into {@code type} and checked;
   * bad ones go to the dead-letter side output. With {@code eventTime} null the job has no
   * watermarks.
   */
  public static <T extends SpecificRecord> SingleOutputStreamOperator<Decoded<T>> decode(
      StreamExecutionEnvironment env, JobSettings s, String job, Topic topic, Class<T> type, EventTime<T> eventTime,
      DecodeFunction.Check<T> check) {
    return decode(env, s, job, job, topic, type, eventTime, check);
  }

  /** {@link #decode} for one of several inputs of a job: {@code input} names its operators (a job of one input uses its own name). */
  public static <T extends SpecificRecord> SingleOutputStreamOperator<Decoded<T>> decode(
      StreamExecutionEnvironment env, JobSettings s, String job, String input, Topic topic, Class<T> type, EventTime<T> eventTime,
      DecodeFunction.Check<T> check) {
    Configuration o = Configuration.fromMap(s.options()); // checked by prepare
    boolean replay = o.getOptional(JobOptions.REPLAY_DIR).isPresent();
    DataStream<RawRecord> raw = replay ? fromRecording(env, o, input, topic, type, eventTime) : fromKafka(env, s, input, topic, type, eventTime);
    // a recording is read by one reader: decoding stays at its parallelism, chained to it, because a
    // rebalance to more decoders would reorder each key's records before the keyBy
    int parallelism = replay ? 1 : env.getParallelism();
    if (o.getOptional(JobOptions.INJECT_FAILURES).isPresent()) {
      raw = raw.map(new FailureInjector(o.get(JobOptions.INJECT_FAILURES), o.get(JobOptions.INJECT_PAUSE_MICROS)))
          .name("failure-injector").uid(input.equals(job) ? "failure-injector" : "failure-injector-" + input).setParallelism(parallelism);
    }
    return raw
        .process(new DecodeFunction<>(type, check, job), DecodedSerializer.streamOf(type))
        .name("decode-" + input)
        .uid("decode-" + input)
        .setParallelism(parallelism);
  }

  private static <T extends SpecificRecord> DataStream<RawRecord> fromKafka(
      StreamExecutionEnvironment env, JobSettings s, String job, Topic topic, Class<T> type, EventTime<T> eventTime) {
    KafkaSource<RawRecord> source;
    WatermarkStrategy<RawRecord> watermarks;
    if (eventTime == null) {
      source = KafkaIO.rawSource(s.kafka(), s.groupId(), s.bounded(), topic);
      watermarks = WatermarkStrategy.noWatermarks();
    } else {
      source = KafkaIO.rawSource(s.kafka(), s.groupId(), s.bounded(), type, eventTime.of(), topic);
      watermarks = WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(Duration.ofMillis(eventTime.outOfOrderMillis()))
          .withTimestampAssigner((r, kafkaTime) -> r.timestamp);
      if (eventTime.idleMillis() > 0) {
        watermarks = watermarks.withIdleness(Duration.ofMillis(eventTime.idleMillis()));
      }
    }
    return env.fromSource(source, watermarks, job + "-source").uid(job + "-source");
  }

  /** One reader keeps the recorded order; watermarks per recorded partition, as the Kafka source makes them. */
  private static <T extends SpecificRecord> DataStream<RawRecord> fromRecording(
      StreamExecutionEnvironment env, Configuration o, String job, Topic topic, Class<T> type, EventTime<T> eventTime) {
    Path dir = Path.of(o.get(JobOptions.REPLAY_DIR));
    long from = o.get(JobOptions.REPLAY_FROM);
    long to = o.get(JobOptions.REPLAY_TO);
    try {
      FileSource<RawRecord> source;
      WatermarkStrategy<RawRecord> watermarks;
      if (eventTime == null) {
        source = RecordingSource.of(dir, from, to, topic.topicName());
        watermarks = WatermarkStrategy.noWatermarks();
      } else {
        source = RecordingSource.of(dir, from, to, type, eventTime.of(), topic.topicName());
        int partitions = Recording.partitions(dir, topic.topicName());
        long outOfOrder = eventTime.outOfOrderMillis();
        watermarks = WatermarkStrategy.<RawRecord>forGenerator(c -> new RecordingSource.PerPartitionWatermarks(partitions, outOfOrder))
            .withTimestampAssigner((r, t) -> r.timestamp);
      }
      return env.fromSource(source, watermarks, job + "-replay").uid(job + "-replay").setParallelism(1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read recording " + dir, e);
    }
  }

  /**
   * Publishes a job's outputs to {@code topic}: encoded once, chained to the sink {@code sink}
   * (its name and uid) whose transactional ids end in {@code output}; an output too large for Kafka
   * ({@code output.maxBytes}) becomes a dead letter instead of failing the job. Returns those dead
   * letters.
   */
  public static <T extends SpecificRecord> DataStream<DeadLetter> publish(DataStream<T> outputs, JobSettings s, String job,
      Topic topic, Class<T> type, KafkaIO.KeyOf<T> key, String output, String sink) {
    int maxBytes = Configuration.fromMap(s.options()).get(JobOptions.OUTPUT_MAX_BYTES);
    return encodeAndSink(outputs, s, job, topic, type, key, maxBytes, output, sink);
  }

  /** The encoder (uid encode-{@code output}) chained to the Kafka sink {@code sink}; returns what the encoder refused. */
  private static <T extends SpecificRecord> DataStream<DeadLetter> encodeAndSink(DataStream<T> records, JobSettings s, String job,
      Topic topic, Class<T> type, KafkaIO.KeyOf<T> key, int maxBytes, String output, String sink) {
    SingleOutputStreamOperator<EncodedRecord> encoded = records
        .process(new OutputEncoder<>(topic, type, key, maxBytes, job), TypeInformation.of(EncodedRecord.class))
        .name("encode-" + output)
        .uid("encode-" + output);
    encoded.sinkTo(KafkaIO.sink(s.kafka(), topic, s.delivery(), s.transactionalIdPrefix(job, output)))
        .name(sink)
        .uid(sink);
    return encoded.getSideOutput(DeadLetters.TAG);
  }

  /**
   * The last stage every job shares: the dead letters of all its operators into the dead-letter
   * topic. A dead letter keeps the record's bytes unless they would not fit in a message with it.
   */
  @SafeVarargs
  public static void sinkDeadLetters(JobSettings s, String job, DataStream<DeadLetter> first, DataStream<DeadLetter>... more) {
    DataStream<DeadLetter> fitted = first.union(more)
        .map(Jobs::fitted)
        .name("fit-dead-letters")
        .uid("fit-dead-letters");
    // a fitted dead letter's record bytes are below the limit; one refused anyway (an input key of
    // kilobytes) is counted in oversizedOutputs
    encodeAndSink(fitted, s, job, Topic.DEAD_LETTERS, DeadLetter.class, DeadLetter::getSourceTopic, OutputEncoder.DEFAULT_MAX_BYTES,
        "dead-letters", "dead-letter-sink");
  }

  /** The dead letter, without its record's bytes when they alone come near a message's limit. */
  private static DeadLetter fitted(DeadLetter d) {
    int room = OutputEncoder.DEFAULT_MAX_BYTES - 16 * 1024; // for the other fields and the reason
    if (d.getValue() == null || d.getValue().remaining() <= room) {
      return d;
    }
    int size = d.getValue().remaining();
    d.setValue(null);
    d.setReason(d.getReason() + " (the record's " + size + " bytes are not kept: too large for a dead letter)");
    return d;
  }

  /**
   * Checks the job's options (unknown keys, types, names of learners, losses, domains, strategies,
   * combiners: {@link IllegalArgumentException} naming the option), applies the settings every job
   * shares (parallelism, exactly-once checkpoints) and builds the job.
   */
  public static void prepare(StreamExecutionEnvironment env, StreamJob job, JobSettings s) {
    env.configure(JobOptions.flinkConfiguration(job.options().parse(s.options())));
    env.setParallelism(s.parallelism());
    env.enableCheckpointing(s.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    // the latest checkpoint outlives a cancelled job as it outlives a dead process: a restart resumes it
    env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    // chained operators hand records on without a deep copy: no operator keeps or changes a record it
    // received from a chained one or emitted (those that keep records, in state, get them over the network)
    env.getConfig().enableObjectReuse();
    // operators read metrics.maxKeys here; the web UI shows the options on the job's configuration tab
    env.getConfig().setGlobalJobParameters(Configuration.fromMap(s.options()));
    job.build(env, s);
  }
}
