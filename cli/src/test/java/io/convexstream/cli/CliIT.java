package io.convexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliIT {
  /** Runs the CLI in-process; its standard output, the exit code asserted 0. */
  static String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setOut(new PrintWriter(out));
    int rc = cli.execute(args);
    assertThat(rc).as("exit code of %s", List.of(args)).isZero();
    return out.toString();
  }

  @Test
  void helpExplainsEveryCommand() {
    String help = run("--help");
    assertThat(help).contains("demo", "run", "help");
    assertThat(run("help", "demo")).contains("--hold", "--ui-port", "web UI");
    assertThat(run("help", "run")).contains("--bootstrap", "--flink", "--job", "gradients", "EXACTLY_ONCE");
  }

  @Test
  void backtestPrintsTheReferenceWealthAndPlots(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    String out = run("backtest", "--data", "../data/olps/djia.csv", "--strategies", "ucrp,olmar1",
        "--combiners", "bah,accelerated", "--cost", "0.001", "--report", dir.toString());
    // the OLPS toolbox's figures on DJIA at cost 0.001: UCRP 0.80942, OLMAR-1 1.82449 (reference_wealth.tsv)
    assertThat(out).contains("ucrp", "olmar1", "buy-and-hold-combiner", "accelerated-combiner", "Sharpe", "Sortino", "MaxDD", "Calmar",
        "IR/UCRP", "costs");
    assertThat(out).containsPattern("ucrp\\s+0\\.8094").containsPattern("olmar1\\s+1\\.824[45]");
    assertThat(dir.resolve("wealth.png")).isRegularFile();
    assertThat(dir.resolve("drawdown.png")).isRegularFile();
    assertThat(dir.resolve("turnover.png")).isRegularFile();
    assertThat(dir.resolve("summary.md")).content().contains("| olmar1 | 1.8245", "![wealth curves](wealth.png)", "![drawdowns](drawdown.png)");

    // machine-readable: every period's wealth at full precision, numbered as the job's decisions (0: wealth 1)
    String[] csv = run("backtest", "--data", "../data/olps/djia.csv", "--strategies", "ucrp,olmar1", "--cost", "0.001",
        "--format", "csv").strip().split("\n");
    assertThat(csv[0]).isEqualTo("strategy,period,wealth");
    List<String[]> olmar = java.util.Arrays.stream(csv).map(l -> l.split(",")).filter(f -> f[0].equals("olmar1")).toList();
    assertThat(olmar.get(0)).containsExactly("olmar1", "0", "1.0");
    assertThat(olmar).hasSize(507 + 1); // DJIA: 507 trading days
    String last = olmar.get(olmar.size() - 1)[2];
    assertThat(Double.parseDouble(last)).isCloseTo(1.82449, org.assertj.core.data.Offset.offset(1e-5));
    String json = run("backtest", "--data", "../data/olps/djia.csv", "--strategies", "ucrp,olmar1", "--cost", "0.001",
        "--format", "json");
    assertThat(json).startsWith("{\"source\": \"djia.csv\", \"periods\": 507").contains("{\"strategy\": \"olmar1\", \"finalWealth\": " + last + ",");
  }

  /** What a producer in another language needs: each schema's fingerprint as it appears on the wire, and self-contained .avsc files. */
  @Test
  void schemasPrintsFingerprintsAsOnTheWireAndWritesSelfContainedFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    String out = run("schemas", "--write", dir.toString());
    byte[] message = io.convexstream.schemas.codec.AvroCodec.of(Gradient.class)
        .encode(new Gradient("m", 1L, "w", new NumericVector(1, null, List.of(0.5)), null, null, Instant.EPOCH));
    StringBuilder wire = new StringBuilder();
    for (int i = 2; i < 10; i++) {
      wire.append(String.format("%02x", message[i] & 0xFF));
    }
    assertThat(out).contains("io.convexstream.schemas.Gradient  " + wire + "\n", "(retired: still read)");
    // each file parses on its own, into the very schema the jobs read
    org.apache.avro.Schema alone = new org.apache.avro.Schema.Parser().parse(dir.resolve("io.convexstream.schemas.Gradient.avsc").toFile());
    assertThat(org.apache.avro.SchemaNormalization.parsingFingerprint64(alone))
        .isEqualTo(org.apache.avro.SchemaNormalization.parsingFingerprint64(Gradient.getClassSchema()));
    assertThat(java.nio.file.Files.list(dir).count()).isEqualTo(io.convexstream.schemas.codec.SchemaCatalog.RECORD_TYPES.size());
  }

  @Test
  void unknownJobFails() {
    StringWriter err = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("run", "--bootstrap", "127.0.0.1:1", "--job", "nope")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown job 'nope'; known: [gradients, examples, events, router-loads, router-scores, portfolio]");
  }

  @Test
  void runSubmitsToARemoteClusterThroughItsRestAddress() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        LocalFlinkCluster remote = LocalFlinkCluster.startTakingJobGraphs(4)) {
      String bootstrap = broker.bootstrapServers();
      io.convexstream.kafka.TopicAdmin.createAll(bootstrap);
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (int t = 1; t <= 5; t++) {
          kafka.send(Topic.GRADIENTS, "cli", new Gradient("cli", (long) t, "w", new NumericVector(1, null, List.of(0.1 * t)), null, null, Instant.EPOCH));
        }
        kafka.flush();
      }
      String flink = remote.restAddress().getHost() + ":" + remote.restAddress().getPort();
      run("run", "--bootstrap", bootstrap, "--job", "gradients", "--flink", flink, "--bounded", "--checkpoint-interval", "PT0.3S");
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        List<ParameterUpdate> out = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, 5, Duration.ofSeconds(30));
        assertThat(out).extracting(ParameterUpdate::getVersion).containsExactly(1L, 2L, 3L, 4L, 5L);
      }
    }
  }

  /** produce and consume: JSON lines in and out in the wire format, bad lines refused by number, parameters reconstructed. */
  @Test
  void produceAndConsumeSpeakJsonLines(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      io.convexstream.kafka.TopicAdmin.createAll(bootstrap);
      var codec = io.convexstream.schemas.codec.AvroCodec.of(Gradient.class);
      Gradient g1 = new Gradient("m1", 1L, "w", new NumericVector(2, null, List.of(0.5, -1.0)), 0.25, null, Instant.ofEpochMilli(1000));
      Gradient g2 = new Gradient("m2", 1L, "w", new NumericVector(4, List.of(3), List.of(2.0)), null, null, Instant.ofEpochMilli(2000));
      java.nio.file.Path lines = dir.resolve("g.jsonl");
      java.nio.file.Files.writeString(lines, String.join("\n",
          codec.encodeJson(g1),
          "",
          // typed by hand: fields with defaults left out
          "{\"modelId\": \"m2\", \"step\": 1, \"producerId\": \"w\", \"gradient\": {\"dim\": 4, \"indices\": {\"array\": [3]}, "
              + "\"values\": [2.0]}, \"eventTime\": 2000}",
          "{\"modelId\": \"m3\", \"step\": 1, \"producerId\": \"w\", \"gradient\": {\"dim\": 1, \"values\": [NaN]}, \"eventTime\": 1}",
          "{\"modelId\": \"m3\", \"step\": 1}") + "\n");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = ConvexStreamCli.commandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      assertThat(cli.execute("produce", "--bootstrap", bootstrap, "--topic", "gradients", "--file", lines.toString())).isEqualTo(1);
      assertThat(out.toString()).contains("sent 2 records to convexstream.gradients, refused 2");
      assertThat(err.toString()).contains("line 4: gradient has non-finite value NaN at position 0", "line 5: malformed Gradient JSON",
          "producerId: missing");

      try (TopicClient kafka = new TopicClient(bootstrap)) {
        kafka.sendRaw(Topic.GRADIENTS, "m1", codec.encodeJson(g1).replace("\"step\":1", "\"step\":2").getBytes()); // what kcat -P sends
        kafka.flush();
      }
      List<String> consumed = List.of(run("consume", "--bootstrap", bootstrap, "--topic", "convexstream.gradients", "--from-beginning")
          .strip().split("\n"));
      Gradient g1b = Gradient.newBuilder(g1).setStep(2).build();
      assertThat(consumed).containsExactlyInAnyOrder(codec.encodeJson(g1), codec.encodeJson(g2), codec.encodeJson(g1b));
      String withKeys = run("consume", "--bootstrap", bootstrap, "--topic", "gradients", "--from-beginning", "--metadata");
      assertThat(withKeys).contains("\"key\":\"m2\",\"value\":" + codec.encodeJson(g2));

      // parameters: a snapshot in 3 chunks, then a delta, come out as two whole vectors
      double[] x = {1, 2, 3, 4, 5, 6};
      var h1 = new io.convexstream.schemas.publication.ParameterChunks.Header("p", 7L, 1L, 1L, 5L, java.util.Map.of("loss", 0.5));
      var h2 = new io.convexstream.schemas.publication.ParameterChunks.Header("p", 7L, 2L, 2L, 6L, java.util.Map.of());
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (ParameterUpdate u : io.convexstream.schemas.publication.ParameterChunks.snapshot(h1, x, 16)) {
          kafka.send(Topic.PARAMETERS, "p", u);
        }
        for (ParameterUpdate u : io.convexstream.schemas.publication.ParameterChunks.delta(h2, 1L, 6, new int[] {4}, new double[] {-5}, 16)) {
          kafka.send(Topic.PARAMETERS, "p", u);
        }
        kafka.flush();
      }
      assertThat(run("consume", "--bootstrap", bootstrap, "--topic", "parameters", "--from-beginning").strip().split("\n")).containsExactly(
          "{\"modelId\":\"p\",\"runEpoch\":7,\"version\":1,\"step\":1,\"eventTime\":5,\"parameters\":[1.0,2.0,3.0,4.0,5.0,6.0],"
              + "\"metrics\":{\"loss\":0.5}}",
          "{\"modelId\":\"p\",\"runEpoch\":7,\"version\":2,\"step\":2,\"eventTime\":6,\"parameters\":[1.0,2.0,3.0,4.0,-5.0,6.0],"
              + "\"metrics\":{}}");
      assertThat(run("consume", "--bootstrap", bootstrap, "--topic", "parameters", "--from-beginning", "--raw").strip().split("\n"))
          .hasSize(4);
    }
  }

  private static String fails(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = ConvexStreamCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code of %s", List.of(args)).isEqualTo(2);
    return err.toString().strip();
  }

  /** Wrong addresses and a second instance under a running name fail in seconds, with one line each. */
  @Test
  void runChecksItsAddressesAndRefusesANameAlreadyRunning() throws Exception {
    long start = System.nanoTime();
    assertThat(fails("run", "--bootstrap", "127.0.0.1:1", "--job", "gradients", "--flink", "127.0.0.1:2"))
        .isEqualTo("error: no Kafka broker answers at 127.0.0.1:1 within 10 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        LocalFlinkCluster remote = LocalFlinkCluster.startTakingJobGraphs(4)) {
      String bootstrap = broker.bootstrapServers();
      io.convexstream.kafka.TopicAdmin.createAll(bootstrap);
      int closedPort;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      assertThat(fails("run", "--bootstrap", bootstrap, "--job", "gradients", "--flink", "127.0.0.1:" + closedPort))
          .startsWith("error: no Flink REST API answers at 127.0.0.1:" + closedPort).doesNotContain("\n");
      String flink = remote.restAddress().getHost() + ":" + remote.restAddress().getPort();
      run("run", "--bootstrap", bootstrap, "--job", "gradients", "--flink", flink);
      assertThat(fails("run", "--bootstrap", bootstrap, "--job", "gradients", "--flink", flink))
          .startsWith("error: a job named 'convexstream gradients' is already running on " + flink);
      run("run", "--bootstrap", bootstrap, "--job", "gradients", "--flink", flink, "--name", "gradients-2");
      var jobs = new io.convexstream.local.FlinkRest(remote.restAddress());
      // both instances run side by side: no failure (e.g. a duplicate transactional-id prefix) for either
      Thread.sleep(5_000);
      for (String name : List.of("convexstream gradients", "convexstream gradients-2")) {
        List<String> ids = jobs.unfinishedJobsNamed(name);
        assertThat(ids).as(name).hasSize(1);
        assertThat(jobs.get("/jobs/" + ids.get(0) + "/exceptions").get("exceptionHistory").get("entries")).as(name).isEmpty();
      }
    }
  }
}
