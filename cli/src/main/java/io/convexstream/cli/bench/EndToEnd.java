package io.convexstream.cli.bench;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.LearnerState;
import io.convexstream.core.learn.Learners;
import io.convexstream.jobs.BalancerJob;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.LearningLoopJob;
import io.convexstream.jobs.PortfolioJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.codec.AvroCodec;
import java.lang.management.ManagementFactory;
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
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * End-to-end load on a job with exactly-once output, read back by a read_committed consumer.
 *
 * <ul>
 *   <li>{@link #run}: a producer sends a pipeline's input at a fixed rate, with event time = send
 *       time, while the job runs; reports throughput and event-to-output latency percentiles (the
 *       output's broker append time minus the event time it carries).
 *   <li>{@link #backlog} then {@link #capacity}: a backlog loaded once and worked through by fresh
 *       jobs, each from the same first offset (the pipeline and its baselines read the same
 *       records); reports the steady-state throughput and the CPU the JVM spent on it.
 * </ul>
 *
 * Either way every input must be accounted for.
 */
public final class EndToEnd {
  private EndToEnd() {}

  /** Figures of one run; {@code cores} is NaN where not measured. */
  public record Result(String pipeline, int parallelism, int targetRate, long inputs, long outputs, double seconds,
      double recordsPerSecond, double cores, double p50Ms, double p99Ms, double maxMs, boolean complete) {
    public String line() {
      String tail = targetRate == 0 ? String.format("%4.2f cores  %8.0f rec/s/core", cores, recordsPerSecond / cores)
          : String.format("latency p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms", p50Ms, p99Ms, maxMs);
      return String.format("%-13s p=%d  target %6s rec/s  %8d in  %7d out  %6.1f s  %8.0f rec/s  %s%s",
          pipeline, parallelism, targetRate == 0 ? "max" : Integer.toString(targetRate), inputs, outputs, seconds, recordsPerSecond,
          tail, complete ? "" : "  INCOMPLETE");
    }
  }

  /**
   * A pipeline's load: its job and options, its input and output topics, how to make input i,
   * inputs per unit (whole steps), whether an output record completes an output (the last chunk
   * of a parameter publication), the record type of the outputs (they carry an eventTime), and the
   * bytes of keyed state one key holds (for the keyed baseline).
   */
  private record Load(StreamJob job, Map<String, String> options, List<Topic> inputs, String output, int unit, Sender sender,
      java.util.function.Predicate<byte[]> completes, Class<? extends SpecificRecord> outputType, int stateBytes) {
    /** Where every input topic ends now. */
    Map<TopicPartition, Long> inputEnds(String bootstrap) {
      Map<TopicPartition, Long> ends = new HashMap<>();
      inputs.forEach(t -> ends.putAll(TopicClient.endOffsets(bootstrap, t)));
      return ends;
    }
  }

  /** Prefix of a spec that runs the no-op baseline on another spec's input. */
  public static final String BASELINE = "baseline:";
  /** Prefix of a spec that runs the keyed baseline on another spec's input, with its state size. */
  public static final String KEYED = "keyed:";

  private interface Sender {
    /** Sends input number i (0-based) with event time {@code now}; false: this position has no record. */
    boolean send(TopicClient kafka, long i, long now);
  }

  public static final List<String> PIPELINES = List.of("gradients", "events", "router-loads", "portfolio");

  /**
   * The load of a spec {@code NAME[:key=value,...]}. {@code gradients} takes {@code models} (16),
   * {@code dim} (32) and {@code nnz} (0: dense gradients; else that many random coordinates each);
   * every other key is a job option (e.g. {@code learner=ftrl}, {@code state.backend.type=rocksdb}).
   * {@code baseline:SPEC} copies SPEC's input unchanged.
   */
  private static Load load(String spec) {
    boolean keyed = spec.startsWith(KEYED);
    if (keyed || spec.startsWith(BASELINE)) {
      Load of = load(spec.substring(keyed ? KEYED.length() : BASELINE.length()));
      Map<String, String> shared = new HashMap<>();
      of.options().forEach((k, v) -> {
        if (k.startsWith("state.") || k.startsWith("execution.")) {
          shared.put(k, v); // the same state backend and checkpoints
        }
      });
      StreamJob job = keyed ? new Baselines.Keyed(of.inputs(), of.stateBytes()) : new Baselines.Passthrough(of.inputs());
      // copies of one input carry its event time; of two, latency is not measured
      Class<? extends SpecificRecord> copied = of.inputs().size() == 1 ? of.inputs().get(0).recordType() : null;
      return new Load(job, shared, of.inputs(), Baselines.TOPIC, of.unit(), of.sender(), v -> true, copied, of.stateBytes());
    }
    int colon = spec.indexOf(':');
    String pipeline = colon < 0 ? spec : spec.substring(0, colon);
    Map<String, String> args = specArgs(spec);
    return switch (pipeline) {
      case "gradients" -> gradients(args);
      // 4 layers x 8 ranks, 64 experts: a bias update per (layer, step), i.e. per 8 reports
      case "events" -> events(args);
      case "router-loads" -> new Load(BalancerJob.loadReports(), with(Map.of("rate", "1e-3"), args), List.of(Topic.ROUTER_LOADS),
          Topic.EXPERT_BIASES.topicName(), 32, (kafka, i, now) -> {
            int layer = (int) (i % 4);
            int rank = (int) (i / 4 % 8);
            long step = i / 32 + 1;
            List<Long> loads = new ArrayList<>(64);
            for (int e = 0; e < 64; e++) {
              loads.add((long) (100 + (e * 7 + step) % 50));
            }
            kafka.send(Topic.ROUTER_LOADS, "m/" + layer, new RouterLoadReport("m", layer, step, rank, 8, loads, -1L, Instant.ofEpochMilli(now)));
            return true;
          }, v -> true, ExpertBiasUpdate.class, 64 * 4 + 8 * 64 * 8); // float biases, and a step's counts from 8 ranks
      // ticks of 16 assets, 100 ms periods, 3 strategies and a combiner: 4 decisions per period
      case "portfolio" -> new Load(new PortfolioJob(), with(Map.of("market.input", "ticks", "period.ms", "100", "portfolio.id", "p",
          "portfolio.assets", String.join(",", assets()), "portfolio.strategies", "ucrp,eg,olmar1", "portfolio.combiners", "accelerated",
          "idleTimeout", "500 ms"), args), List.of(Topic.MARKET_TICKS), Topic.PORTFOLIO_DECISIONS.topicName(), 16, (kafka, i, now) -> {
            String asset = assets().get((int) (i % 16));
            kafka.send(Topic.MARKET_TICKS, asset, new MarketTick(asset, Instant.ofEpochMilli(now), 100 + (i % 7) * 0.1, 1.0));
            return true;
          }, v -> true, PortfolioDecision.class, 4 * 16 * 8 * 8); // 4 books of 16 assets, ~8 numbers per asset each
      default -> throw new IllegalArgumentException("unknown pipeline " + pipeline + "; known: " + PIPELINES);
    };
  }

  /** The key=value arguments of a pipeline spec NAME[:k=v,...]. */
  private static Map<String, String> specArgs(String spec) {
    Map<String, String> args = new HashMap<>();
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      for (String kv : spec.substring(colon + 1).split(",")) {
        String[] p = kv.split("=", 2);
        args.put(p[0].trim(), p[1].trim());
      }
    }
    return args;
  }

  private static Map<String, String> with(Map<String, String> defaults, Map<String, String> given) {
    Map<String, String> m = new HashMap<>(defaults);
    m.putAll(given);
    return m;
  }

  /** {@code models} models of dimension {@code dim}, dense gradients or {@code nnz} random coordinates; a publication per gradient. */
  private static Load gradients(Map<String, String> args) {
    Map<String, String> options = new HashMap<>(args);
    int models = Integer.parseInt(options.getOrDefault("models", "16"));
    int dim = Integer.parseInt(options.getOrDefault("dim", "32"));
    int nnz = Integer.parseInt(options.getOrDefault("nnz", "0"));
    options.keySet().removeAll(List.of("models", "dim", "nnz"));
    options = with(Map.of("learner", "oomd", "emitEvery", "1"), options);
    if (!options.get("learner").equals("ftrl")) { // ftrl has no domain (it refuses one)
      options = with(Map.of("learner.domain", "ball:1"), options);
    }
    SplittableRandom r = new SplittableRandom(1);
    int n = nnz > 0 ? nnz : dim;
    List<Double> values = Arrays.stream(r.doubles(n).map(x -> (x - 0.5) / Math.sqrt(n)).toArray()).boxed().toList();
    List<List<Integer>> indexSets = new ArrayList<>();
    for (int k = 0; nnz > 0 && k < 64; k++) {
      indexSets.add(Arrays.stream(r.ints(nnz * 2L, 0, dim).distinct().limit(nnz).sorted().toArray()).boxed().toList());
    }
    int width = Math.max(1, (int) Math.ceil(Math.log10(models)));
    LearnerState state = Learners.create(LearnerConfig.of(options.get("learner")), dim).exportState();
    int stateBytes = 8 * (state.arrays.values().stream().mapToInt(a -> a.length).sum() + state.scalars.size());
    return new Load(LearnerJob.gradients(), options, List.of(Topic.GRADIENTS), Topic.PARAMETERS.topicName(), models, (kafka, i, now) -> {
      String model = String.format("m%0" + width + "d", i % models);
      NumericVector g = nnz > 0 ? new NumericVector(dim, indexSets.get((int) (i % indexSets.size())), values)
          : new NumericVector(dim, null, values);
      kafka.send(Topic.GRADIENTS, model, new Gradient(model, i / models + 1, "w", g, 0.0, null, Instant.ofEpochMilli(now)));
      return true;
    }, v -> {
      ParameterUpdate u = AvroCodec.of(ParameterUpdate.class).decode(v);
      return u.getChunk() == u.getChunks() - 1;
    }, ParameterUpdate.class, stateBytes);
  }

  /**
   * The learning loop: {@code models} models (16), each input pair an event of 8 named features
   * and the feedback of the event {@code lag} events before it (1 000: so many events wait per
   * join), event times 1 ms apart per input; {@code learners} and every other key as job options.
   * Outputs counted: the predictions (one per event); a publication per join goes out too.
   */
  private static Load events(Map<String, String> args) {
    Map<String, String> options = new HashMap<>(args);
    int models = Integer.parseInt(options.getOrDefault("models", "16"));
    int lag = Integer.parseInt(options.getOrDefault("lag", "1000"));
    options.keySet().removeAll(List.of("models", "lag"));
    // feedback that outlives its event would be dead-lettered: the window is far longer than the lag;
    // no idleness: a partition read late in a backlog would be declared idle and its records late
    options = with(Map.of("learners", "ftrl", "features.dim", String.valueOf(1 << 20), "feedback.maxDelay", "1 h"),
        options);
    int width = Math.max(1, (int) Math.ceil(Math.log10(models)));
    return new Load(new LearningLoopJob(), options, List.of(Topic.EVENTS, Topic.FEEDBACK), Topic.PREDICTIONS.topicName(), 2,
        (kafka, i, now) -> {
          long j = i / 2;
          if (i % 2 == 0) {
            String model = String.format("m%0" + width + "d", j % models);
            Map<String, Double> features = new java.util.TreeMap<>();
            for (int k = 0; k < 8; k++) {
              features.put("f" + k + "=" + (j * 31 + k * 7) % 1000, 1.0);
            }
            kafka.send(Topic.EVENTS, model, new LearningEvent(model, "e" + j, null, features, Instant.ofEpochMilli(now)));
            return true;
          }
          if (j < lag) {
            return false; // no event is old enough for its feedback yet
          }
          long e = j - lag;
          String model = String.format("m%0" + width + "d", e % models);
          kafka.send(Topic.FEEDBACK, model, new Feedback(model, "e" + e, e % 3 == 0 ? 1.0 : -1.0, 1.0, Instant.ofEpochMilli(now)));
          return true;
        }, v -> true, Prediction.class, 8 * 16 * 8 * 3); // a join's features and scores, and the blocks it touches
  }

  private static List<String> assets() {
    List<String> a = new ArrayList<>();
    for (int k = 0; k < 16; k++) {
      a.add("A" + k);
    }
    return a;
  }

  /**
   * Runs {@code pipeline} at {@code parallelism} while its input arrives at {@code rate} records/s
   * for {@code duration}, then waits up to {@code drainTimeout} for the outputs.
   */
  public static Result run(LocalFlinkCluster flink, String bootstrap, String pipeline, int parallelism, int rate, Duration duration,
      Duration drainTimeout, Consumer<String> progress) throws Exception {
    Load load = load(pipeline);
    String group = group(pipeline);
    Map<TopicPartition, Long> from = endOffsets(bootstrap, load.output());
    commitOffsets(bootstrap, group, load.inputEnds(bootstrap)); // earlier runs' input is not this run's
    JobID id = submit(flink, bootstrap, load, group, parallelism);
    long start = System.currentTimeMillis();
    long sent = 0;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
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
    long expected = expectedOutputs(pipeline, sent, false);
    Outputs outputs = collect(bootstrap, load.output(), from, expected, load.completes(),
        load.outputType() == null ? null : o -> o.timestamp() - eventTime(load.outputType(), o.value()), drainTimeout);
    flink.cancel(id);
    double seconds = (Math.max(start, outputs.lastAppend()) - start) / 1000.0;
    double[] latencies = Arrays.copyOf(outputs.latencies, outputs.count);
    Arrays.sort(latencies);
    boolean measured = latencies.length > 0;
    return new Result(pipeline, parallelism, rate, sent, outputs.count, seconds, sent / seconds, Double.NaN,
        measured ? percentile(latencies, 0.5) : Double.NaN, measured ? percentile(latencies, 0.99) : Double.NaN,
        measured ? latencies[latencies.length - 1] : Double.NaN, outputs.complete >= expected);
  }

  /** Input records loaded once for capacity runs: the offsets they start at, and how many. */
  public record Backlog(String spec, Map<TopicPartition, Long> from, long records) {}

  /**
   * Loads at least {@code records} inputs of {@code pipeline} (whole units), event times 1 ms
   * apart so that the portfolio's 100 ms periods close as the backlog is worked through.
   */
  public static Backlog backlog(String bootstrap, String pipeline, long records, Consumer<String> progress) {
    Load load = load(pipeline);
    Map<TopicPartition, Long> from = load.inputEnds(bootstrap);
    long i = 0;
    long sent = 0;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      long t0 = System.currentTimeMillis();
      while (i < records || i % load.unit() != 0) {
        if (load.sender().send(kafka, i, t0 + i)) {
          sent++;
        }
        i++;
        if (i % 500_000 == 0) {
          progress.accept(String.format("%s: %d of %d records loaded", pipeline, i, records));
        }
      }
      kafka.flush();
    }
    return new Backlog(pipeline, from, sent);
  }

  /**
   * A fresh job of {@code spec} ({@code backlog}'s pipeline, or a baseline of it) works through
   * {@code backlog} at {@code parallelism}. Throughput is taken over the middle 90 % of the outputs
   * by append time, so neither the sources' start nor the partitions' uneven finish is in it; cores
   * are the JVM's CPU time (broker and Flink together) over that window, from samples every 100 ms.
   */
  public static Result capacity(LocalFlinkCluster flink, String bootstrap, String spec, int parallelism, Backlog backlog,
      Duration drainTimeout) throws Exception {
    Load load = load(spec);
    String group = group(spec);
    if (load.output().equals(Baselines.TOPIC)) {
      createBaselineTopic(bootstrap);
    }
    Map<TopicPartition, Long> from = endOffsets(bootstrap, load.output());
    commitOffsets(bootstrap, group, backlog.from());
    JobID id = submit(flink, bootstrap, load, group, parallelism);
    boolean copies = load.output().equals(Baselines.TOPIC);
    long expected = copies ? backlog.records() : expectedOutputs(backlog.spec(), backlog.records(), true);
    Outputs outputs = collect(bootstrap, load.output(), from, expected, load.completes(), null, drainTimeout);
    flink.cancel(id);
    deleteRecords(bootstrap, load.output()); // a run's outputs are counted: they need not fill the disk
    long t5 = outputs.appendQuantile(0.05);
    long t95 = outputs.appendQuantile(0.95);
    double seconds = (t95 - t5) / 1000.0;
    double rate = 0.9 * backlog.records() / seconds;
    double cores = (outputs.cpu.at(t95) - outputs.cpu.at(t5)) / 1e9 / seconds;
    return new Result(spec, parallelism, 0, backlog.records(), outputs.count, seconds, rate, cores, Double.NaN, Double.NaN, Double.NaN,
        outputs.complete >= expected);
  }

  private static String group(String spec) {
    return "bench-" + spec.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + System.nanoTime();
  }

  private static JobID submit(LocalFlinkCluster flink, String bootstrap, Load load, String group, int parallelism) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, load.job(), new JobSettings(bootstrap, group, false, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500),
        parallelism, new HashMap<>(load.options())));
    JobID id = flink.submit(env, group);
    flink.awaitRunning(id, 60_000);
    return id;
  }

  /**
   * Outputs that {@code n} inputs must produce. Portfolio periods close by watermark: for a backlog
   * (events 1 ms apart) every 100 ms period but the last, 4 decisions each; at a rate, not required.
   */
  static long expectedOutputs(String pipeline, long n, boolean backlog) {
    return switch (pipeline.replaceAll(":.*", "")) {
      case "gradients" -> { // input i goes to model i mod models; each model publishes after every k-th of its updates
        Map<String, String> args = specArgs(pipeline);
        long models = Long.parseLong(args.getOrDefault("models", "16"));
        long k = Long.parseLong(args.getOrDefault("emitEvery", "1"));
        long base = n / models;
        long extra = n % models; // models with one input more
        yield (models - extra) * (base / k) + extra * ((base + 1) / k);
      }
      case "router-loads" -> n / 8;
      // an event per two inputs, scored once the watermark passes it: all but those of the last few ms
      case "events" -> n / 2 - 64;
      default -> backlog ? 4 * ((n - 1) / 100) : 0;
    };
  }

  /** The event time an output carries (every record type has one). */
  private static long eventTime(Class<? extends SpecificRecord> type, byte[] value) {
    SpecificRecord r = AvroCodec.of(type).decode(value);
    return ((Instant) r.get(r.getSchema().getField("eventTime").pos())).toEpochMilli();
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /** Commits {@code offsets} for {@code group}, where the job's source then starts. */
  private static void commitOffsets(String bootstrap, String group, Map<TopicPartition, Long> offsets) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    offsets.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
    try (Admin admin = admin(bootstrap)) {
      admin.alterConsumerGroupOffsets(group, commit).all().get();
    }
  }

  private static void deleteRecords(String bootstrap, String topic) throws Exception {
    Map<TopicPartition, RecordsToDelete> upTo = new HashMap<>();
    endOffsets(bootstrap, topic).forEach((tp, end) -> upTo.put(tp, RecordsToDelete.beforeOffset(end)));
    try (Admin admin = admin(bootstrap)) {
      admin.deleteRecords(upTo).all().get();
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static void createBaselineTopic(String bootstrap) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      if (!admin.listTopics().names().get().contains(Baselines.TOPIC)) {
        admin.createTopics(List.of(new NewTopic(Baselines.TOPIC, Topic.DEFAULT_PARTITIONS, (short) 1)
            .configs(Map.of("max.message.bytes", String.valueOf(Topic.MAX_MESSAGE_BYTES), "message.timestamp.type", "LogAppendTime"))))
            .all().get();
      }
    }
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
    Map<TopicPartition, Long> ends = new HashMap<>();
    try (var c = consumer(bootstrap)) {
      List<TopicPartition> partitions = c.partitionsFor(topic).stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
      ends.putAll(c.endOffsets(partitions));
    }
    return ends;
  }

  /**
   * Waits without reading a record until the committed outputs after {@code from} (offsets, which
   * also count transaction markers) reach {@code expected} and then stop growing for 2 s: reading
   * them while the job runs took 10–20 % of a core from the job being measured on this 2-core machine
   * (the outputs' own append times give the figures, so nothing is lost by reading them afterwards).
   * Meanwhile samples the JVM's CPU time into {@code cpu}.
   */
  private static void awaitQuiet(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> from, long expected, long deadline,
      CpuSamples cpu) throws InterruptedException {
    long last = -1;
    long quietSince = System.currentTimeMillis();
    while (System.currentTimeMillis() < deadline) {
      cpu.sample();
      long committed = 0; // a read_committed consumer's end offsets are the last stable offsets
      for (var e : c.endOffsets(from.keySet()).entrySet()) {
        committed += e.getValue() - from.get(e.getKey());
      }
      if (committed != last) {
        last = committed;
        quietSince = System.currentTimeMillis();
      } else if (committed >= expected && System.currentTimeMillis() - quietSince > 2_000) {
        return;
      }
      Thread.sleep(100);
    }
  }

  /** The JVM's CPU time (all threads: broker, Flink, this reader) against the wall clock. */
  private static final class CpuSamples {
    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long[] wallMillis = new long[256];
    private long[] cpuNanos = new long[256];
    private int n;

    void sample() {
      if (n == wallMillis.length) {
        wallMillis = Arrays.copyOf(wallMillis, 2 * n);
        cpuNanos = Arrays.copyOf(cpuNanos, 2 * n);
      }
      wallMillis[n] = System.currentTimeMillis();
      cpuNanos[n++] = os.getProcessCpuTime();
    }

    /** CPU nanoseconds at wall time {@code t}, interpolated between the samples around it. */
    double at(long t) {
      int k = 1;
      while (k < n - 1 && wallMillis[k] < t) {
        k++;
      }
      long dt = Math.max(1, wallMillis[k] - wallMillis[k - 1]);
      return cpuNanos[k - 1] + (double) (cpuNanos[k] - cpuNanos[k - 1]) * (t - wallMillis[k - 1]) / dt;
    }
  }

  /**
   * What the outputs showed, kept as it is read: holding the records themselves (hundreds of MB for
   * a million outputs) left that much garbage in the old generation, and G1 marked it concurrently
   * through the next measured run.
   */
  private static final class Outputs {
    int count;
    long complete;
    long[] appends = new long[1024];
    double[] latencies = new double[0]; // kept only where a latency function is given
    final CpuSamples cpu = new CpuSamples();

    void add(ConsumerRecord<byte[], byte[]> o, java.util.function.Predicate<byte[]> completes,
        java.util.function.ToLongFunction<ConsumerRecord<byte[], byte[]>> latency) {
      if (count == appends.length) {
        appends = Arrays.copyOf(appends, 2 * count);
      }
      if (latency != null) {
        if (count >= latencies.length) {
          latencies = Arrays.copyOf(latencies, Math.max(1024, 2 * count));
        }
        latencies[count] = latency.applyAsLong(o);
      }
      appends[count++] = o.timestamp();
      complete += completes.test(o.value()) ? 1 : 0;
    }

    long lastAppend() {
      return appendQuantile(1);
    }

    /** The append time below which a fraction {@code q} of the outputs lie (once every output is read). */
    long appendQuantile(double q) {
      if (count == 0) {
        return Long.MIN_VALUE;
      }
      if (sorted == null || sorted.length != count) {
        sorted = Arrays.copyOf(appends, count);
        Arrays.sort(sorted);
      }
      return sorted[Math.min(count - 1, (int) Math.floor(q * (count - 1)))];
    }

    private long[] sorted;
  }

  /**
   * Reads outputs after {@code from} until {@code expected} complete outputs arrived and 2 s pass
   * without more, or the timeout; {@code latency} (null: none) gives each output's latency.
   */
  private static Outputs collect(String bootstrap, String topic, Map<TopicPartition, Long> from, long expected,
      java.util.function.Predicate<byte[]> completes, java.util.function.ToLongFunction<ConsumerRecord<byte[], byte[]>> latency,
      Duration timeout) throws InterruptedException {
    Outputs out = new Outputs();
    try (var c = consumer(bootstrap)) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      awaitQuiet(c, from, expected, deadline, out.cpu);
      long quietSince = System.currentTimeMillis();
      while (System.currentTimeMillis() < deadline) {
        int before = out.count;
        c.poll(Duration.ofMillis(200)).forEach(o -> out.add(o, completes, latency));
        if (out.count > before) {
          quietSince = System.currentTimeMillis();
        } else if (out.count >= expected && System.currentTimeMillis() - quietSince > 2_000 && out.complete >= expected) {
          break;
        }
      }
    }
    return out;
  }
}
