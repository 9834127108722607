package io.convexstream.streams.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.convexstream.connectors.flink.DecodeFunction;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.connectors.flink.KafkaIO;
import io.convexstream.connectors.flink.RawRecord;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.schemas.DeadLetter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
    for (StreamJob j : List.<StreamJob>of(LearnerJob.gradients(), LearnerJob.examples(), BalancerJob.loadReports(), BalancerJob.scoreBatches(), new PortfolioJob())) {
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
   * The first stage every job shares: the raw records of {@code input} (with {@code watermarks}),
   * decoded into {@code type} and checked; bad ones go to the dead-letter side output.
   */
  public static <T extends SpecificRecord> SingleOutputStreamOperator<Decoded<T>> decode(
      StreamExecutionEnvironment env, String job, KafkaSource<RawRecord> source,
      WatermarkStrategy<RawRecord> watermarks, Class<T> type, DecodeFunction.Check<T> check) {
    return env.fromSource(source, watermarks, job + "-source")
        .uid(job + "-source")
        .process(new DecodeFunction<>(type, check, job), Decoded.typeInfo(type))
        .name("decode-" + job)
        .uid("decode-" + job);
  }

  /** The last stage every job shares: the dead letters of all its operators into the dead-letter topic. */
  @SafeVarargs
  public static void sinkDeadLetters(JobSettings s, String job, DataStream<DeadLetter> first, DataStream<DeadLetter>... more) {
    first.union(more)
        .sinkTo(KafkaIO.sink(s.bootstrapServers(), Topic.DEAD_LETTERS, DeadLetter.class,
            DeadLetter::getSourceTopic, s.delivery(), "convexstream-" + job + "-dead-letters"))
        .name("dead-letter-sink")
        .uid("dead-letter-sink");
  }

  /** Applies the settings every job shares (parallelism, exactly-once checkpoints) and builds the job. */
  public static void prepare(StreamExecutionEnvironment env, StreamJob job, JobSettings s) {
    env.setParallelism(s.parallelism());
    env.enableCheckpointing(s.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
    job.build(env, s);
  }
}
