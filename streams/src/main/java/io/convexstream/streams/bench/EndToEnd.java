package io.convexstream.streams.bench;

import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.streams.jobs.BalancerJob;
import io.convexstream.streams.jobs.JobSettings;
import io.convexstream.streams.jobs.Jobs;
import io.convexstream.streams.jobs.LearnerJob;
import io.convexstream.streams.jobs.PortfolioJob;
import io.convexstream.streams.jobs.StreamJob;
import io.convexstream.streams.local.LocalFlinkCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * End-to-end load on a running job: a producer sends a pipeline's input at a fixed rate (or as
 * fast as it can) with event time = send time, the job runs with exactly-once output, and a
 * read_committed consumer collects the outputs. Reports throughput (input records / seconds from
 * the first send to the last output) and event-to-output latency percentiles (the output's
 * broker append time minus the event time it carries), and whether every input was accounted for.
 */
public final class EndToEnd {
  private EndToEnd() {}

  /** Figures of one run. */
  public record Result(String pipeline, int parallelism, int targetRate, long inputs, long outputs, double seconds,
      double recordsPerSecond, double p50Ms, double p99Ms, double maxMs, boolean complete) {
    public String line() {
      return String.format("%-13s p=%d  target %6s rec/s  %8d in  %7d out  %6.1f s  %8.0f rec/s  latency p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms%s",
          pipeline, parallelism, targetRate == 0 ? "max" : Integer.toString(targetRate), inputs, outputs, seconds, recordsPerSecond,
          p50Ms, p99Ms, maxMs, complete ? "" : "  INCOMPLETE");
    }
  }

  /** A pipeline's load: its job and options, how to make input i, and how many outputs n inputs give. */
  private record Load(StreamJob job, Map<String, String> options, Topic input, Topic output, int unit, Sender sender) {}

  private interface Sender {
    /** Sends input number i (0-based) with event time {@code now}. */
    void send(TopicClient kafka, long i, long now);
  }

  public static final List<String> PIPELINES = List.of("gradients", "router-loads", "portfolio");

  private static Load load(String pipeline) {
    SplittableRandom r = new SplittableRandom(1);
    double[] g = r.doubles(32).map(x -> x - 0.5).toArray();
    List<Double> gradient = Arrays.stream(g).boxed().toList();
    return switch (pipeline) {
      // 16 models, d = 32, a parameter update per gradient
      case "gradients" -> new Load(LearnerJob.gradients(), Map.of("learner", "oomd", "learner.domain", "ball:1", "emitEvery", "1"),
          Topic.GRADIENTS, Topic.PARAMETERS, 16, (kafka, i, now) -> {
            String model = "m" + (i % 16);
            kafka.send(Topic.GRADIENTS, model, new Gradient(model, i / 16 + 1, "w", new NumericVector(32, null, gradient), 0.0, null,
                Instant.ofEpochMilli(now)));
          });
      // 4 layers x 8 ranks, 64 experts: a bias update per (layer, step), i.e. per 8 reports
      case "router-loads" -> new Load(BalancerJob.loadReports(), Map.of("rate", "1e-3"), Topic.ROUTER_LOADS, Topic.EXPERT_BIASES, 32, (kafka, i, now) -> {
        int layer = (int) (i % 4);
        int rank = (int) (i / 4 % 8);
        long step = i / 32 + 1;
        List<Long> loads = new ArrayList<>(64);
        for (int e = 0; e < 64; e++) {
          loads.add((long) (100 + (e * 7 + step) % 50));
        }
        kafka.send(Topic.ROUTER_LOADS, "m/" + layer, new RouterLoadReport("m", layer, step, rank, 8, loads, -1L, Instant.ofEpochMilli(now)));
      });
      // ticks of 16 assets, 100 ms periods, 3 strategies and a combiner: 4 decisions per period
      case "portfolio" -> new Load(new PortfolioJob(), Map.of("market.input", "ticks", "period.ms", "100", "portfolio.id", "p",
          "portfolio.assets", String.join(",", assets()), "portfolio.strategies", "ucrp,eg,olmar1", "portfolio.combiners", "accelerated",
          "idleTimeoutMs", "500"), Topic.MARKET_TICKS, Topic.PORTFOLIO_DECISIONS, 16, (kafka, i, now) -> {
            String asset = assets().get((int) (i % 16));
            kafka.send(Topic.MARKET_TICKS, asset, new MarketTick(asset, Instant.ofEpochMilli(now), 100 + (i % 7) * 0.1, 1.0));
          });
      default -> throw new IllegalArgumentException("unknown pipeline " + pipeline + "; known: " + PIPELINES);
    };
  }

  private static List<String> assets() {
    List<String> a = new ArrayList<>();
    for (int k = 0; k < 16; k++) {
      a.add("A" + k);
    }
    return a;
  }

  /**
   * Runs {@code pipeline} at {@code parallelism}. With {@code rate > 0}: the job runs first and the
   * input arrives at {@code rate} records/s for {@code duration}; latency is event time to output.
   * With {@code rate == 0} (capacity): {@code records} inputs are loaded first, then the job starts
   * and works through the backlog; throughput is inputs / (last output − first output), and latency
   * is not meaningful (reported as NaN). Then waits up to {@code drainTimeout} for the outputs.
   */
  public static Result run(LocalFlinkCluster flink, String bootstrap, String pipeline, int parallelism, int rate, Duration duration,
      long records, Duration drainTimeout, Consumer<String> progress) throws Exception {
    Load load = load(pipeline);
    String group = "bench-" + pipeline + "-" + System.nanoTime();
    Map<TopicPartition, Long> from = TopicClient.endOffsets(bootstrap, load.output());
    startAtEnd(bootstrap, group, load.input()); // earlier runs' input stays in the topic: not this run's
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Map<String, String> options = new HashMap<>(load.options());
    Jobs.prepare(env, load.job(), new JobSettings(bootstrap, group, false, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500),
        parallelism, options));
    long sent = 0;
    JobID id;
    long start;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      if (rate == 0) {
        long t0 = System.currentTimeMillis();
        while (sent < records || sent % load.unit() != 0) {
          load.sender().send(kafka, sent, t0 + sent); // events 1 ms apart: the portfolio's 100 ms periods close
          sent++;
        }
        kafka.flush();
        progress.accept(String.format("%s p=%d: %d records loaded", pipeline, parallelism, sent));
        id = flink.submit(env, group);
        flink.awaitRunning(id, 60_000);
        start = System.currentTimeMillis();
      } else {
        id = flink.submit(env, group);
        flink.awaitRunning(id, 60_000);
        start = System.currentTimeMillis();
        long end = start + duration.toMillis();
        long nextReport = start + 5_000;
        for (long now = start; now < end; now = System.currentTimeMillis()) {
          for (long due = (now - start) * rate / 1000; sent < due; ) {
            load.sender().send(kafka, sent++, now);
          }
          if (now >= nextReport) {
            progress.accept(String.format("%s p=%d: %d records sent in %.0f s", pipeline, parallelism, sent, (now - start) / 1000.0));
            nextReport += 5_000;
          }
          Thread.sleep(1);
        }
        // whole units only (every model's step, every rank of a step), so no step waits for a timeout
        while (sent % load.unit() != 0) {
          load.sender().send(kafka, sent++, System.currentTimeMillis());
        }
        kafka.flush();
      }
    }
    long expected = expectedOutputs(pipeline, sent, rate == 0);
    List<ConsumerRecord<byte[], byte[]>> outputs = collect(bootstrap, load.output(), from, expected, drainTimeout);
    flink.cancel(id);

    double[] latencies = new double[outputs.size()];
    long firstAppend = Long.MAX_VALUE;
    long lastAppend = start;
    for (int k = 0; k < outputs.size(); k++) {
      ConsumerRecord<byte[], byte[]> o = outputs.get(k);
      latencies[k] = o.timestamp() - eventTime(pipeline, o.value());
      firstAppend = Math.min(firstAppend, o.timestamp());
      lastAppend = Math.max(lastAppend, o.timestamp());
    }
    Arrays.sort(latencies);
    double seconds = (lastAppend - (rate == 0 ? firstAppend : start)) / 1000.0;
    boolean measured = rate > 0 && latencies.length > 0;
    return new Result(pipeline, parallelism, rate, sent, outputs.size(), seconds, sent / seconds,
        measured ? percentile(latencies, 0.5) : Double.NaN, measured ? percentile(latencies, 0.99) : Double.NaN,
        measured ? latencies[latencies.length - 1] : Double.NaN, outputs.size() >= expected);
  }

  /**
   * Outputs that {@code n} inputs must produce. Portfolio periods close by watermark: for a backlog
   * (events 1 ms apart) every 100 ms period but the last, 4 decisions each; at a rate, not required.
   */
  static long expectedOutputs(String pipeline, long n, boolean backlog) {
    return switch (pipeline) {
      case "gradients" -> n;
      case "router-loads" -> n / 8;
      default -> backlog ? 4 * ((n - 1) / 100) : 0;
    };
  }

  private static long eventTime(String pipeline, byte[] value) {
    return switch (pipeline) {
      case "gradients" -> AvroCodec.of(ParameterUpdate.class).decode(value).getEventTime().toEpochMilli();
      case "router-loads" -> AvroCodec.of(ExpertBiasUpdate.class).decode(value).getEventTime().toEpochMilli();
      default -> AvroCodec.of(PortfolioDecision.class).decode(value).getEventTime().toEpochMilli();
    };
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /** Commits the input's end offsets for {@code group}, where the job's source then starts. */
  private static void startAtEnd(String bootstrap, String group, Topic input) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
    TopicClient.endOffsets(bootstrap, input).forEach((tp, end) -> offsets.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(end)));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
      admin.alterConsumerGroupOffsets(group, offsets).all().get();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Reads outputs after {@code from} until {@code expected} arrived and 2 s pass without more, or the timeout. */
  private static List<ConsumerRecord<byte[], byte[]>> collect(String bootstrap, Topic topic, Map<TopicPartition, Long> from, long expected,
      Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var c = consumer(bootstrap)) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      long quietSince = System.currentTimeMillis();
      while (System.currentTimeMillis() < deadline) {
        int before = out.size();
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.size() > before) {
          quietSince = System.currentTimeMillis();
        } else if (out.size() >= expected && System.currentTimeMillis() - quietSince > 2_000) {
          break;
        }
      }
    }
    return out;
  }
}
