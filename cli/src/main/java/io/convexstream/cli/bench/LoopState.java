package io.convexstream.cli.bench;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.flink.loop.FeedbackLoopFunction;
import io.convexstream.flink.loop.LoopSettings;
import io.convexstream.jobs.LearningLoopJob;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.ParameterUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * How large the learning loop's state grows on RocksDB: events at {@code rate} per second of event
 * time, each one's feedback {@code delay} later (a fifth lost), through {@link FeedbackLoopFunction}
 * in a job on the MiniCluster with incremental RocksDB checkpoints; no Kafka, so the state is all
 * that is measured. One ordered source makes both inputs, as a live producer sends them (feedback
 * when it is seen), so nothing waits for the watermark but what must. Reports, per completed
 * checkpoint, the event time played and the checkpoint's full state size: it grows while the first
 * delay fills with waiting events and stays flat after (each event is forgotten 2 delays after it
 * happened), and the plateau is what a deployment needs per rate × delay.
 */
public final class LoopState {
  private LoopState() {}

  /** One completed checkpoint: when, how far event time had got, and its full state size in bytes. */
  public record Point(double wallSeconds, double eventMinutes, long stateBytes, long checkpointedBytes) {}

  /** Models the events are spread over. */
  private static final int MODELS = 16;
  /** Named features per event. */
  private static final int FEATURES = 8;

  public static List<Point> run(LocalFlinkCluster flink, int rate, Duration delay, Duration length, int parallelism, Path checkpoints,
      Consumer<String> progress) throws Exception {
    long events = rate * length.toSeconds();
    long lag = rate * delay.toSeconds(); // events between an event and its feedback
    long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    // the feedback window: the delay, with room; the events' features are hashed into 2^20
    LoopSettings settings = new LearningLoopJob().settings(Map.of("learners", "ftrl", "feedback.maxDelay",
        (delay.toSeconds() + 60) + " s"));
    Configuration conf = new Configuration();
    conf.setString("state.backend.type", "rocksdb");
    conf.setString("execution.checkpointing.incremental", "true");
    // most of the join's reads look for what is not there (a time nothing waits at yet, an id not
    // closed): bloom filters answer them without reading the files
    conf.setString("state.backend.rocksdb.use-bloom-filter", "true");
    conf.setString("execution.checkpointing.dir", checkpoints.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(conf);
    env.setParallelism(1);
    env.enableCheckpointing(15_000, CheckpointingMode.EXACTLY_ONCE);
    env.getConfig().enableObjectReuse();
    // input k: an event (k even) at t0 + j/rate, j = k/2; or (k odd) the feedback of event j - lag, seen now
    // the run ends at its length in event time: feedback still due then is not sent (nor its drain measured)
    DataStream<Object> inputs = env.fromSequence(0, 2 * events - 1)
        .map(k -> input(k, rate, lag, t0)).returns(Object.class)
        .filter(o -> o != NOTHING)
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((o, ts) -> timeOf(o)));
    DataStream<Decoded<LearningEvent>> eventStream = inputs.filter(o -> o instanceof LearningEvent)
        .map(o -> decoded((LearningEvent) o)).returns(Decoded.typeInfo(LearningEvent.class));
    DataStream<Decoded<Feedback>> feedbackStream = inputs.filter(o -> o instanceof Feedback)
        .map(o -> decoded((Feedback) o)).returns(Decoded.typeInfo(Feedback.class));
    eventStream.keyBy(d -> d.value.getModelId())
        .connect(feedbackStream.keyBy(d -> d.value.getModelId()))
        .process(new FeedbackLoopFunction("loop-state", settings)).returns(ParameterUpdate.class)
        .name("learning-loop").uid("learning-loop").setParallelism(parallelism)
        .sinkTo(new DiscardingSink<>());
    JobID id = flink.submit(env, "loop-state");
    flink.awaitRunning(id, 60_000);
    long start = System.currentTimeMillis();
    List<Point> points = new ArrayList<>();
    long lastId = -1;
    while (true) {
      Thread.sleep(1_000);
      JsonNode status = flink.rest("/jobs/" + id);
      String state = status.get("state").asText();
      JsonNode latest;
      try {
        latest = flink.rest("/jobs/" + id + "/checkpoints").path("latest").path("completed");
      } catch (Exception notYet) { // the job master is still starting
        continue;
      }
      if (!latest.isMissingNode() && !latest.isNull() && latest.get("id").asLong() != lastId) {
        lastId = latest.get("id").asLong();
        // after the last input the watermark jumps to the end of time: the run's length is as far as event time got
        double minutes = Math.min((watermark(flink, id) - t0) / 60_000.0, length.toSeconds() / 60.0);
        Point p = new Point((System.currentTimeMillis() - start) / 1000.0, Math.max(0, minutes), latest.get("state_size").asLong(),
            latest.get("checkpointed_size").asLong());
        points.add(p);
        progress.accept(String.format("  %6.0f s: event time %6.2f min, checkpoint %7.1f MB (incremental part %6.1f MB)", p.wallSeconds(),
            p.eventMinutes(), p.stateBytes() / 1e6, p.checkpointedBytes() / 1e6));
      }
      if (state.equals("FINISHED") || state.equals("FAILED") || state.equals("CANCELED")) {
        if (!state.equals("FINISHED")) {
          throw new IllegalStateException("the loop-state job ended " + state);
        }
        return points;
      }
    }
  }

  /** Stands for no input at this position (the first lag positions have no feedback to send). */
  private static final Object NOTHING = "nothing";

  private static Object input(long k, int rate, long lag, long t0) {
    long j = k / 2;
    long now = t0 + j * 1000 / rate;
    if (k % 2 == 0) {
      Map<String, Double> f = new TreeMap<>();
      for (int i = 0; i < FEATURES; i++) {
        f.put("f" + i + "=" + (j * 31 + i * 7) % 10_000, 1.0);
      }
      return new LearningEvent("m" + j % MODELS, "e" + j, null, f, Instant.ofEpochMilli(now));
    }
    long e = j - lag;
    if (e < 0 || e % 5 == 4) { // before the first delay has passed, or lost
      return NOTHING;
    }
    return new Feedback("m" + e % MODELS, "e" + e, e % 3 == 0 ? 1.0 : -1.0, 1.0, Instant.ofEpochMilli(now));
  }

  private static long timeOf(Object o) {
    return o instanceof LearningEvent e ? e.getEventTime().toEpochMilli() : ((Feedback) o).getEventTime().toEpochMilli();
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> Decoded<T> decoded(T value) {
    Decoded<T> d = new Decoded<>();
    d.value = value;
    d.topic = value instanceof LearningEvent ? "convexstream.events" : "convexstream.feedback";
    d.key = new byte[0];
    return d;
  }

  /** The learning loop's input watermark (ms), or Long.MIN_VALUE before one. */
  private static long watermark(LocalFlinkCluster flink, JobID id) throws Exception {
    for (JsonNode v : flink.rest("/jobs/" + id).get("vertices")) {
      if (v.get("name").asText().contains("learning-loop")) {
        for (JsonNode w : flink.rest("/jobs/" + id + "/vertices/" + v.get("id").asText() + "/watermarks")) {
          if (w.get("id").asText().endsWith("currentInputWatermark")) {
            return w.get("value").asLong();
          }
        }
      }
    }
    return Long.MIN_VALUE;
  }
}
