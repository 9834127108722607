package io.convexstream.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.cli.ConvexStreamCli;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * `convexstream run --flink local` as its own process, as a user runs it: killed with SIGKILL
 * mid-stream and started again with the same command, it resumes from its last checkpoint (no
 * reset, no conflicting duplicates: versions 1..N once each, equal to the learner core's); stopped
 * with `convexstream stop`, it exits, leaves its group at the offsets the savepoint covers, and the
 * next start resumes from the savepoint. A second run on a state directory in use, a start without
 * state while the group has committed offsets, or on another instance's state, is refused.
 */
@Tag("slow")
class DurableRestartIT {
  private static final int STEPS = 60;
  private static final int DIM = 3;
  private static final List<String> MODELS = List.of("a", "b");
  private static final LearnerConfig LEARNER = LearnerConfig.of("oomd", "domain=ball:1");

  private final List<Process> processes = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void aKilledRunResumesFromItsCheckpointAndAStoppedOneFromItsSavepoint(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      Path state = dir.resolve("state");
      List<String> run = List.of("run", "--job", "gradients", "--bootstrap", bootstrap, "--flink", "local", "--ui-port", "0",
          "--state-dir", state.toString(), "--parallelism", "1", "--checkpoint-interval", "PT0.3S",
          "--set", "learner=oomd", "--set", "learner.domain=ball:1");

      Process first = launch(dir.resolve("first.log"), run);
      awaitLine(first, dir.resolve("first.log"), "submitted .* with empty state");
      send(bootstrap, 1, 2 * STEPS / 3);
      awaitOutputs(bootstrap, STEPS / 3);
      first.destroyForcibly().waitFor(); // SIGKILL while records are in flight

      Process second = launch(dir.resolve("second.log"), run);
      String resumed = awaitLine(second, dir.resolve("second.log"), "submitted .* resuming from \\S+chk-\\d+");
      System.out.println(resumed);
      send(bootstrap, 2 * STEPS / 3 + 1, STEPS);
      checkEveryVersionOnce(awaitOutputs(bootstrap, STEPS), STEPS);

      // one run per state directory: a second is refused at once, naming the one that runs
      assertThat(failure(run.toArray(String[]::new))).containsPattern("state directory \\S+ is in use by another run \\(process "
          + second.pid() + " runs convexstream gradients as Flink job [0-9a-f]{32}, web UI http://");

      // a clean stop: the savepoint is written, run exits and says where it is, and the group's
      // offsets are those the savepoint covers (every input applied), so --fresh would start after them
      String ui = awaitLine(second, dir.resolve("second.log"), "Flink web UI: http://[^:]+:\\d+");
      String flink = ui.replaceAll(".*Flink web UI: http://([^:]+:\\d+).*", "$1");
      cli("stop", "--job", "gradients", "--flink", flink);
      assertThat(second.waitFor()).isZero();
      assertThat(Files.readString(dir.resolve("second.log"))).containsPattern("convexstream gradients finished with savepoint \\S+savepoint-")
          .contains("group convexstream-gradients committed at the savepoint's offsets");
      assertThat(committed(bootstrap, "convexstream-gradients")).isEqualTo(MODELS.size() * (long) STEPS);

      Process third = launch(dir.resolve("third.log"), run);
      awaitLine(third, dir.resolve("third.log"), "submitted .* resuming from \\S+savepoint-");
      send(bootstrap, STEPS + 1, STEPS + 5);
      checkEveryVersionOnce(awaitOutputs(bootstrap, STEPS + 5), STEPS + 5);
      third.destroyForcibly().waitFor();
      // restores that lost nothing say nothing alarming (the sink re-commits the restored transactions)
      for (String log : List.of("second.log", "third.log")) {
        assertThat(Files.readString(dir.resolve(log))).as(log).doesNotContain("ERROR").doesNotContain("data loss");
      }

      // no state where the group has committed offsets: refused, with what to do; --fresh is the way to start over
      String refused = failure("run", "--job", "gradients", "--bootstrap", bootstrap, "--state-dir", dir.resolve("empty").toString());
      assertThat(refused).contains("job instance gradients ran on this Kafka cluster before", "--fresh");
      // another instance's state is not resumed
      assertThat(failure("run", "--job", "gradients", "--bootstrap", bootstrap, "--state-dir", state.toString(), "--group-id", "other"))
          .contains("holds the state of group convexstream-gradients");
    }
  }

  /**
   * A portfolio with a halt time, restarted while a period waits for its late asset: each day A's
   * and B's readings, then C's 700 ms later (well within haltMs = 1.5 s). On day 5 the run is
   * killed (bars) or stopped with a savepoint (ticks) a second after A's and B's readings (a
   * checkpoint holds them and the halt timer), C's reading is published while it is down, and the
   * same run starts 2 s later. The job's downtime is not C's silence: every period closes on its own
   * readings, nothing is carried or dead-lettered, and every decision equals that of a bounded run
   * over the same recorded feed without a restart.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({"bars, kill", "ticks, stop"})
  void aRestoredPortfolioDecidesEveryPeriodAsWithoutTheRestart(String input, String restart, @TempDir Path dir) throws Exception {
    int days = 10;
    int restartedOn = 5;
    boolean bars = input.equals("bars");
    int decided = bars ? days : days - 1; // a tick reports its asset through the previous day only: the last day stays open
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      List<String> portfolio = List.of("--parallelism", "1", "--checkpoint-interval", "PT0.3S", "--set", "market.input=" + input,
          "--set", "portfolio.id=p", "--set", "portfolio.assets=A,B,C", "--set", "portfolio.strategies=ucrp,olmar1");
      List<String> run = new ArrayList<>(List.of("run", "--job", "portfolio", "--bootstrap", bootstrap, "--flink", "local", "--ui-port",
          "0", "--state-dir", dir.resolve("state").toString(), "--set", "haltMs=1500"));
      run.addAll(portfolio);

      Process first = launch(dir.resolve("first.log"), run);
      String ui = awaitLine(first, dir.resolve("first.log"), "submitted .* with empty state; Flink web UI: http://[^:]+:\\d+");
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (int day = 0; day < days; day++) {
          reading(kafka, bars, "A", 0, day);
          reading(kafka, bars, "B", 1, day);
          if (day == restartedOn) {
            Thread.sleep(1_000);
            if (restart.equals("kill")) {
              first.destroyForcibly().waitFor(); // SIGKILL while the day waits for C
            } else {
              cli("stop", "--job", "portfolio", "--flink", ui.replaceAll(".*Flink web UI: http://([^:]+:\\d+).*", "$1"));
              assertThat(first.waitFor()).isZero();
            }
            reading(kafka, bars, "C", 2, day); // published while the job is down
            Thread.sleep(2_000);
            Process second = launch(dir.resolve("second.log"), run);
            awaitLine(second, dir.resolve("second.log"), "submitted .* resuming from \\S+(chk-\\d+|savepoint-)");
            continue;
          }
          Thread.sleep(700);
          reading(kafka, bars, "C", 2, day);
          Thread.sleep(300);
        }
      }
      List<PortfolioDecision> restarted = awaitDecisions(bootstrap, 2 * decided);
      processes.forEach(Process::destroyForcibly);
      String restoredLog = Files.readString(dir.resolve("second.log"));
      assertThat(restarted).as("decisions of the restarted run; its log:%n%s", restoredLog).hasSize(2 * decided);
      assertThat(restoredLog).doesNotContain("ERROR").doesNotContain("data loss");

      List<String> reference = new ArrayList<>(List.of("run", "--job", "portfolio", "--bootstrap", bootstrap, "--flink", "local",
          "--ui-port", "0", "--state-dir", dir.resolve("reference").toString(), "--name", "reference", "--bounded"));
      reference.addAll(portfolio);
      cli(reference.toArray(String[]::new)); // its input ends: every period closes, the last day's too
      List<PortfolioDecision> all = awaitDecisions(bootstrap, 2 * decided + 2 * days);
      assertThat(all).as("decisions of the restarted and the bounded run").hasSize(2 * decided + 2 * days);
      List<PortfolioDecision> bounded = all.subList(2 * decided, all.size()).stream().filter(d -> d.getPeriod() < decided).toList();

      assertThat(restarted).allSatisfy(d -> assertThat(d.getCarriedAssets()).as("period %d", d.getPeriod()).isEmpty());
      assertThat(TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS).values()).as("dead letters").containsOnly(0L);
      assertThat(restarted).extracting(d -> d.getStrategy() + "/" + d.getPeriod() + " " + d.getWeights() + " " + d.getWealth())
          .containsExactlyInAnyOrderElementsOf(bounded.stream().map(d -> d.getStrategy() + "/" + d.getPeriod() + " " + d.getWeights()
              + " " + d.getWealth()).toList());
      assertThat(restarted).extracting(PortfolioDecision::getPeriod)
          .containsOnly(LongStream.range(0, decided).boxed().toArray(Long[]::new));
    }
  }

  /** Day {@code day}'s reading of {@code asset} (2026-01-05 on), on {@code partition}: a bar of the day, or a tick an hour into it. */
  private static void reading(TopicClient kafka, boolean bar, String asset, int partition, int day) {
    Instant start = Instant.parse("2026-01-05T00:00:00Z").plus(Duration.ofDays(day));
    double price = 100 * (1 + 0.1 * asset.charAt(0) % 3) * (1 + 0.02 * Math.sin(day + asset.charAt(0)));
    Topic topic = bar ? Topic.MARKET_BARS : Topic.MARKET_TICKS;
    Instant time = bar ? start : start.plus(Duration.ofHours(1));
    byte[] value = bar
        ? io.convexstream.schemas.codec.AvroCodec.of(MarketBar.class).encode(
            new MarketBar(asset, start, start.plus(Duration.ofDays(1)), price, price, price, price, 1.0))
        : io.convexstream.schemas.codec.AvroCodec.of(MarketTick.class).encode(new MarketTick(asset, time, price, 1.0));
    kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic.topicName(), partition, time.toEpochMilli(),
        asset.getBytes(), value));
    kafka.flush();
  }

  /** The first {@code n} portfolio decisions, read_committed, in the order the jobs wrote them. */
  private static List<PortfolioDecision> awaitDecisions(String bootstrap, int n) throws Exception {
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      return kafka.read(Topic.PORTFOLIO_DECISIONS, PortfolioDecision.class, n, Duration.ofSeconds(180));
    }
  }

  /** The sum of the group's committed offsets on the gradients topic. */
  private static long committed(String bootstrap, String group) throws Exception {
    try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
          .filter(e -> e.getKey().topic().equals(Topic.GRADIENTS.topicName()) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
    }
  }

  private static void checkEveryVersionOnce(List<ParameterUpdate> out, int steps) {
    Map<String, List<ParameterUpdate>> byModel = out.stream().collect(Collectors.groupingBy(ParameterUpdate::getModelId));
    for (String m : MODELS) {
      assertThat(byModel.get(m)).extracting(ParameterUpdate::getVersion)
          .as("versions of model %s", m).containsExactlyElementsOf(LongStream.rangeClosed(1, steps).boxed().toList());
      OnlineLearner core = Learners.create(LEARNER, DIM);
      List<ParameterAssembler.Model> versions = ParameterAssembler.everyVersion(byModel.get(m)).get(m);
      for (int t = 1; t <= steps; t++) {
        core.update(GradientVector.dense(g(m, t)));
        assertThat(versions.get(t - 1).parameters()).as("model %s version %d", m, t).containsExactly(core.decision());
      }
    }
  }

  /** The CLI in this JVM: the first line of its error output; the exit code must be the error's. */
  private static String failure(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code of %s: %s", List.of(args), err).isEqualTo(2);
    return err.toString().strip();
  }

  private static String cli(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code of %s: %s", List.of(args), err).isZero();
    return err.toString();
  }

  private Process launch(Path log, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    for (String p : io.convexstream.local.StandaloneCluster.OPENS) {
      cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConvexStreamCli.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  /** The first line of the process's output matching {@code regex}; fails with the output if the process ends first. */
  private static String awaitLine(Process p, Path log, String regex) throws Exception {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      String out = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = pattern.matcher(out);
      if (m.find()) {
        int start = out.lastIndexOf('\n', m.start()) + 1;
        int end = out.indexOf('\n', m.end());
        return out.substring(start, end < 0 ? out.length() : end);
      }
      if (!p.isAlive()) {
        throw new AssertionError("run ended (exit " + p.exitValue() + ") without printing /" + regex + "/:\n" + out);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no line /" + regex + "/ within 120 s:\n" + Files.readString(log));
  }

  private static void send(String bootstrap, int from, int to) throws Exception {
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (int t = from; t <= to; t++) {
        for (String m : MODELS) {
          kafka.send(Topic.GRADIENTS, m, new Gradient(m, (long) t, "w",
              new NumericVector(DIM, null, Arrays.stream(g(m, t)).boxed().toList()), null, null, Instant.ofEpochMilli(t)));
        }
      }
      kafka.flush();
    }
  }

  /** Every output so far, read_committed, once there are at least {@code steps} per model. */
  private static List<ParameterUpdate> awaitOutputs(String bootstrap, int steps) throws Exception {
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      return kafka.read(Topic.PARAMETERS, ParameterUpdate.class, MODELS.size() * steps, Duration.ofSeconds(120));
    }
  }

  private static double[] g(String model, int t) {
    double[] g = new double[DIM];
    for (int i = 0; i < DIM; i++) {
      g[i] = Math.sin(t * (i + 1) + model.hashCode());
    }
    return g;
  }
}
