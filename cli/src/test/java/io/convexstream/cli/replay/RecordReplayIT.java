package io.convexstream.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.cli.RecordedMarket;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.Strategies;
import io.convexstream.jobs.BalancerJob;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.OutputTopics;
import io.convexstream.jobs.PortfolioJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.ClickStream;
import io.convexstream.kafka.feeds.MarketBars;
import io.convexstream.kafka.recording.Recorder;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.kafka.recording.Replayer;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For each pipeline: a live run over Kafka input is recorded; replaying the recording into a
 * fresh broker's topics, and straight into the job as a bounded source, gives the same per-key
 * output sequence, byte for byte, as the live run (dead letters included, by source position).
 */
class RecordReplayIT {
  private static EmbeddedKafkaBroker live;
  private static EmbeddedKafkaBroker replayed;
  private static LocalFlinkCluster flink;

  @BeforeAll
  static void start() throws Exception {
    live = EmbeddedKafkaBroker.start();
    replayed = EmbeddedKafkaBroker.start();
    TopicAdmin.createAll(live.bootstrapServers());
    TopicAdmin.createAll(replayed.bootstrapServers());
    flink = LocalFlinkCluster.start(0, 4);
  }

  @AfterAll
  static void stop() throws Exception {
    flink.close();
    replayed.close();
    live.close();
  }

  @Test
  void gradients(@TempDir Path dir) throws Exception {
    SplittableRandom r = new SplittableRandom(11);
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      for (int step = 1; step <= 150; step++) {
        for (String model : List.of("a", "b", "c")) {
          List<Double> g = IntStream.range(0, 8).mapToObj(i -> r.nextGaussian()).toList();
          kafka.send(Topic.GRADIENTS, model, new Gradient(model, (long) step, "w", new NumericVector(8, null, g), 0.5, null,
              Instant.ofEpochMilli(1000L * step)));
        }
      }
      kafka.sendRaw(Topic.GRADIENTS, "a", "not avro".getBytes(StandardCharsets.UTF_8));
      kafka.flush();
    }
    check(LearnerJob.gradients(), Topic.GRADIENTS, Topic.PARAMETERS, dir,
        Map.of("learner", "oomd", "learner.domain", "ball:1", "learner.G", "3", "emitEvery", "1"));

    // `convexstream learn` over the recording ends where the job ended, bit for bit
    long published = TopicClient.endOffsets(live.bootstrapServers(), Topic.PARAMETERS).values().stream().mapToLong(Long::longValue).sum();
    Map<String, double[]> job = new HashMap<>();
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      ParameterAssembler assembler = new ParameterAssembler();
      for (ParameterUpdate u : kafka.read(Topic.PARAMETERS, ParameterUpdate.class, (int) published, Duration.ofSeconds(30))) {
        assembler.accept(u);
      }
      assembler.latest().forEach((model, m) -> job.put(model, m.parameters().clone()));
    }
    Path learned = dir.resolve("learned.jsonl");
    int rc = io.convexstream.cli.ConvexStreamCli.commandLine().execute("learn", "--recording", dir.toString(),
        "--learners", "oomd;domain=ball:1;G=3", "--parameters", learned.toString());
    assertThat(rc).isZero();
    Map<String, double[]> offline = new HashMap<>();
    for (String line : java.nio.file.Files.readAllLines(learned)) {
      String model = line.replaceAll(".*\"model\": \"([^\"]*)\".*", "$1");
      String values = line.replaceAll(".*\"parameters\": \\[(.*)\\]}", "$1");
      offline.put(model, java.util.Arrays.stream(values.split(", ")).mapToDouble(Double::parseDouble).toArray());
    }
    assertThat(offline.keySet()).containsExactlyInAnyOrder("a", "b", "c").isEqualTo(job.keySet());
    offline.forEach((model, x) -> assertThat(x).as(model).containsExactly(job.get(model)));
  }

  /** The learning loop's recording (events and feedback): `convexstream learn` ends with the job's champion, parameters and decisions. */
  @Test
  void learningLoop(@TempDir Path dir) throws Exception {
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      for (String model : List.of("ctr-a", "ctr-b")) {
        ClickStream s = ClickStream.generate(model, 2000, Instant.parse("2026-01-01T00:00:00Z"), 1000, 1000, 71_000, 0.2, model.hashCode());
        s.events().forEach(e -> kafka.send(Topic.EVENTS, model, e));
        s.feedback().forEach(f -> kafka.send(Topic.FEEDBACK, model, f));
      }
      kafka.flush();
    }
    // ctr-b has learners of its own
    Map<String, String> options = Map.of("learners", "ftrl;ftrl.alpha=0.02,ogd;domain=ball:10", "learners.ctr-b",
        "ogd;domain=ball:10,ftrl;ftrl.alpha=0.02,adagrad", "features.dim", "1024", "feedback.maxDelay", "60 s", "outOfOrder", "90 s",
        "champion.window", "5 min", "champion.minJoined", "20");
    Map<TopicPartition, Long> from = TopicClient.endOffsets(live.bootstrapServers(), Topic.PARAMETERS);
    Map<TopicPartition, Long> decisionsFrom = TopicClient.endOffsets(live.bootstrapServers(), Topic.CHAMPIONS);
    run(live, new io.convexstream.jobs.LearningLoopJob(), "live-events", options);
    Map<String, ParameterAssembler.Model> job = new HashMap<>();
    long published = TopicClient.endOffsets(live.bootstrapServers(), Topic.PARAMETERS).entrySet().stream()
        .mapToLong(e -> e.getValue() - from.getOrDefault(e.getKey(), 0L)).sum();
    long decided = OutputTopics.perKey(live.bootstrapServers(), Topic.CHAMPIONS, decisionsFrom).values().stream().mapToLong(List::size).sum();
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      ParameterAssembler assembler = new ParameterAssembler();
      kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().startsWith("ctr-"), (int) published, Duration.ofSeconds(30))
          .forEach(assembler::accept);
      job.putAll(assembler.latest());
    }
    Recorder.record(live.bootstrapServers(), List.of(Topic.EVENTS.topicName(), Topic.FEEDBACK.topicName()), dir, Duration.ofSeconds(60));
    Path learned = dir.resolve("learned.jsonl");
    java.io.StringWriter printed = new java.io.StringWriter();
    picocli.CommandLine cli = io.convexstream.cli.ConvexStreamCli.commandLine();
    cli.setOut(new java.io.PrintWriter(printed));
    List<String> args = new java.util.ArrayList<>(List.of("learn", "--recording", dir.toString(), "--learners", options.get("learners"),
        "--parameters", learned.toString(), "--format", "json", "--report", dir.resolve("report").toString()));
    options.forEach((k, v) -> {
      if (!k.equals("learners") && !k.equals("outOfOrder")) {
        args.addAll(List.of("--set", k + "=" + v));
      }
    });
    assertThat(cli.execute(args.toArray(String[]::new))).isZero();
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(printed.toString());
    long offlineDecisions = 0;
    for (var m : summary.get("models")) {
      offlineDecisions += m.get("windows").asLong();
      // the champion's last publication names the learner that serves, as the offline run ends
      String model = m.get("model").asText();
      String[] learners = options.getOrDefault("learners." + model, options.get("learners")).split(",");
      assertThat(m.get("learners")).hasSize(learners.length);
      assertThat(learners[(int) job.get(model).metrics().get("champion").doubleValue()]).startsWith(m.get("champion").asText());
    }
    assertThat(offlineDecisions).isEqualTo(decided);
    for (String line : java.nio.file.Files.readAllLines(learned)) {
      var l = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if (l.get("champion").asBoolean()) {
        double[] x = new double[l.get("parameters").size()];
        for (int i = 0; i < x.length; i++) {
          x[i] = l.get("parameters").get(i).asDouble();
        }
        assertThat(x).as(l.get("model").asText()).containsExactly(job.get(l.get("model").asText()).parameters());
      }
    }
    assertThat(decided).isPositive();
    assertThat(summary.get("models").get(0).get("promotions").asLong()).isPositive();
    assertThat(dir.resolve("report/loop-ctr-a.png")).exists();
  }

  @Test
  void routerLoads(@TempDir Path dir) throws Exception {
    SplittableRandom r = new SplittableRandom(12);
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      for (int step = 1; step <= 120; step++) {
        for (int layer = 0; layer < 3; layer++) {
          for (int rank = 0; rank < 2; rank++) {
            List<Long> loads = IntStream.range(0, 16).mapToObj(e -> (long) r.nextInt(100)).toList();
            kafka.send(Topic.ROUTER_LOADS, "m/" + layer, new RouterLoadReport("m", layer, (long) step, rank, 2, loads, -1L,
                Instant.ofEpochMilli(step)));
          }
        }
      }
      kafka.send(Topic.ROUTER_LOADS, "m/0", new RouterLoadReport("m", 0, 3L, 0, 2, List.of(-1L, 5L), -1L, Instant.EPOCH));
      kafka.flush();
    }
    check(BalancerJob.loadReports(), Topic.ROUTER_LOADS, Topic.EXPERT_BIASES, dir, Map.of("rate", "1e-2"));
  }

  @Test
  void portfolio(@TempDir Path dir) throws Exception {
    List<String> assets = List.of("A", "B", "C", "D");
    double[][] x = MarketBars.syntheticRelatives(200, assets.size(), 3);
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      for (MarketBar b : MarketBars.fromPrices(assets, MarketBars.pricesOf(x), Instant.parse("2020-01-01T00:00:00Z"), Duration.ofDays(1))) {
        kafka.send(Topic.MARKET_BARS, b.getAsset(), b);
      }
      Instant t = Instant.parse("2020-01-03T00:00:00Z");
      kafka.send(Topic.MARKET_BARS, "A", new MarketBar("A", t, t, 1.0, 1.0, 1.0, -1.0, 0.0));
      kafka.flush();
    }
    check(new PortfolioJob(), Topic.MARKET_BARS, Topic.PORTFOLIO_DECISIONS, dir,
        Map.of("portfolio.id", "p", "portfolio.assets", String.join(",", assets), "portfolio.strategies", "olmar1,pamr,up",
            "portfolio.combiners", "accelerated", "portfolio.cost", "0.001"));

    // the backtest over the recording equals the job: same periods, same relatives, same wealth
    RecordedMarket.Result recorded = RecordedMarket.read(dir, Duration.ofDays(1).toMillis());
    assertThat(recorded.skipped()).isEqualTo(1);
    assertThat(recorded.data().assets()).isEqualTo(assets);
    assertThat(recorded.data().relatives()).hasDimensions(x.length, assets.size());
    try (TopicClient kafka = new TopicClient(live.bootstrapServers())) {
      List<PortfolioDecision> out = kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class,
          d -> d.getStrategy().equals("olmar1") && d.getPeriod() == x.length, 2, Duration.ofSeconds(30)); // the live and the direct replay run
      double wealth = Backtest.run(Strategies.create("olmar1", assets.size(), null), recorded.data().relatives(), 0.001).finalWealth();
      assertThat(out).hasSize(2).extracting(PortfolioDecision::getWealth).containsOnly(wealth);
    }
  }

  private void check(StreamJob job, Topic input, Topic output, Path dir, Map<String, String> options) throws Exception {
    String name = job.name();
    Map<TopicPartition, Long> liveOut = TopicClient.endOffsets(live.bootstrapServers(), output);
    Map<TopicPartition, Long> liveDead = TopicClient.endOffsets(live.bootstrapServers(), Topic.DEAD_LETTERS);
    run(live, job, "live-" + name, options);
    Map<String, List<String>> expected = OutputTopics.perKey(live.bootstrapServers(), output, liveOut);
    Map<String, List<String>> expectedDead = OutputTopics.deadLetters(live.bootstrapServers(), input, liveDead);
    assertThat(expected).isNotEmpty();
    assertThat(expectedDead).isNotEmpty();

    Map<String, Integer> recorded = Recorder.record(live.bootstrapServers(), List.of(input.topicName()), dir, Duration.ofSeconds(60));
    List<RecordedMessage> messages = Recording.read(Recording.file(dir, input.topicName()));
    assertThat(messages).hasSize(recorded.get(input.topicName()));
    assertThat(messages).allSatisfy(m -> assertThat(m.getTopic()).isEqualTo(input.topicName()));

    // 1. straight into the job, as a bounded source (outputs into the live broker, after the live run's)
    Map<TopicPartition, Long> directOut = TopicClient.endOffsets(live.bootstrapServers(), output);
    Map<TopicPartition, Long> directDead = TopicClient.endOffsets(live.bootstrapServers(), Topic.DEAD_LETTERS);
    Map<String, String> replayOptions = new HashMap<>(options);
    replayOptions.put(io.convexstream.jobs.JobOptions.REPLAY_DIR.key(), dir.toString());
    run(live, job, "direct-" + name, replayOptions);
    assertThat(OutputTopics.perKey(live.bootstrapServers(), output, directOut)).isEqualTo(expected);
    assertThat(OutputTopics.deadLetters(live.bootstrapServers(), input, directDead)).isEqualTo(expectedDead);

    // 2. into a fresh broker's topics, then the job as live
    Map<TopicPartition, Long> kafkaOut = TopicClient.endOffsets(replayed.bootstrapServers(), output);
    Map<TopicPartition, Long> kafkaDead = TopicClient.endOffsets(replayed.bootstrapServers(), Topic.DEAD_LETTERS);
    Replayer.replay(replayed.bootstrapServers(), dir, List.of(), Replayer.Options.MAX_SPEED, null);
    run(replayed, job, "replayed-" + name, options);
    assertThat(OutputTopics.perKey(replayed.bootstrapServers(), output, kafkaOut)).isEqualTo(expected);
    assertThat(OutputTopics.deadLetters(replayed.bootstrapServers(), input, kafkaDead)).isEqualTo(expectedDead);
  }

  private static void run(EmbeddedKafkaBroker broker, StreamJob job, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, job, new JobSettings(broker.bootstrapServers(), group, true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), 2, options));
    flink.awaitFinished(flink.submit(env, group), 180_000);
  }
}
