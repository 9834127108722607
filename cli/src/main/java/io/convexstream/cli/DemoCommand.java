package io.convexstream.cli;

import io.convexstream.cli.demo.DemoPipeline;
import io.convexstream.cli.demo.GradientDemo;
import io.convexstream.cli.demo.MoeDemo;
import io.convexstream.cli.demo.LoopDemo;
import io.convexstream.cli.demo.PortfolioDemo;
import io.convexstream.cli.demo.SeaDemo;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.recording.Recorder;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.kafka.recording.Replayer;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.serving.ServingHttp;
import io.convexstream.serving.ServingView;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "Run every pipeline on bundled data, locally, and show the results.",
        "",
        "Starts an in-JVM Kafka broker (KRaft) and a Flink MiniCluster with its web",
        "UI, creates the topics, feeds the bundled data through every pipeline, and",
        "prints a summary with the UI address, the output topics and the plots.",
        "Nothing to install beyond Java and Maven.",
        ""})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--hold", description = "Keep the broker, the cluster and the jobs running for browsing the UI; Ctrl-C stops everything.")
  boolean hold;

  @Option(names = "--ui-port", defaultValue = "8081", description = "Preferred Flink web UI port; the next free port is used if taken (default: ${DEFAULT-VALUE}).")
  int uiPort;

  @Option(names = "--serve-port", defaultValue = "8090", description = "Port of the serving view's HTTP API; a free one if taken (default: ${DEFAULT-VALUE}).")
  int servePort;

  @Option(names = "--out", defaultValue = "demo-out", description = "Directory for plots and the summary (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--data", description = "The recording to replay (default: demo/recording of the clone, bundled).")
  Path data;

  @Option(names = "--write-data", description = "Instead of running the demo: generate its data (seeded) and record it into this directory.")
  Path writeData;

  // the sizes the bundled recording was generated with; the reports expect them
  private static final int STEPS = 300;
  private static final int SEA_STEPS = 1000;
  private static final int MOE_STEPS = 150;
  private static final int PORTFOLIO_DAYS = 500;
  private static final int LOOP_EVENTS = 6000;

  private final PrintStream console = System.out;

  /** The bundled recording: demo/recording under the clone the launcher runs from (or the working directory). */
  static Path bundledData() {
    return Path.of(System.getProperty("convexstream.home", "."), "demo", "recording");
  }

  private static List<DemoPipeline> pipelines() {
    return List.of(new GradientDemo(STEPS), new SeaDemo(SEA_STEPS), new MoeDemo(MOE_STEPS), new PortfolioDemo(PORTFOLIO_DAYS),
        new LoopDemo(LOOP_EVENTS));
  }

  /** Generates every pipeline's data into a fresh broker and records the input topics into {@code dir}. */
  static void writeData(Path dir, PrintStream console) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      TopicAdmin.createAll(broker.bootstrapServers());
      List<String> topics = new java.util.ArrayList<>();
      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        for (DemoPipeline p : pipelines()) {
          p.feed(DemoPipeline.Feed.to(kafka));
          p.inputs().forEach(t -> topics.add(t.topicName()));
        }
        kafka.flush();
      }
      Recorder.record(broker.bootstrapServers(), topics, dir, Duration.ofMinutes(2))
          .forEach((topic, n) -> console.printf("recorded %d messages of %s into %s%n", n, topic, dir));
    }
  }

  @Override
  public Integer call() throws Exception {
    if (writeData != null) {
      writeData(writeData, console);
      return 0;
    }
    Path recording = data != null ? data : bundledData();
    if (!Files.isDirectory(recording)) {
      throw new IllegalArgumentException("no demo recording at " + recording.toAbsolutePath() + " (run from the clone, or give --data)");
    }
    Files.createDirectories(out);
    Stack stack = new Stack();
    Thread hook = new Thread(stack::close, "convexstream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      progress(1, "Starting Kafka broker (KRaft, in this JVM)");
      stack.broker = EmbeddedKafkaBroker.start();
      console.println("      bootstrap servers: " + stack.broker.bootstrapServers() + "  (data in " + stack.broker.dataDir() + ", removed on exit)");
      TopicAdmin.createAll(stack.broker.bootstrapServers());
      console.println("      topics: " + List.of(Topic.values()).stream().map(Topic::topicName).toList());

      progress(2, "Starting Flink MiniCluster with web UI");
      // 5 jobs at parallelism 2, with room to spare; checkpoints in the broker's data directory, removed with it
      stack.flink = LocalFlinkCluster.start(uiPort, 12, -1, stack.broker.dataDir().resolve("flink"));
      console.println("      Flink web UI: " + stack.flink.restAddress());

      // its local state sits in the broker's data directory, removed with it on exit
      stack.view = ServingView.start(stack.broker.bootstrapServers(), "convexstream-demo-serving",
          stack.broker.dataDir().resolve("serving-view"), 20);
      try {
        stack.http = ServingHttp.start(stack.view, servePort);
      } catch (java.net.BindException taken) {
        stack.http = ServingHttp.start(stack.view, 0);
      }
      console.println("      serving view: " + stack.http.address() + "  (e.g. /models/<model>, /moe/<model>/layers/<layer>, /portfolios/<id>)");

      List<DemoPipeline> pipelines = pipelines();
      progress(3, "Submitting " + pipelines.size() + " jobs");
      for (DemoPipeline p : pipelines) {
        JobSettings settings = JobSettings.defaults(stack.broker.bootstrapServers(), "convexstream-demo-" + p.job().name())
            .withOptions(p.options());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Jobs.prepare(env, p.job(), settings);
        JobID job = stack.flink.submit(env, "convexstream " + p.job().name());
        stack.jobs.add(job);
        stack.flink.awaitRunning(job, 120_000);
        console.println("      " + p.job().name() + ": " + p.job().description() + "  (job " + job + ")");
      }

      progress(4, "Replaying the bundled recording " + recording);
      for (DemoPipeline p : pipelines) {
        p.feed(DemoPipeline.Feed.NOWHERE); // what the reports compare against
      }
      Replayer.replay(stack.broker.bootstrapServers(), recording, Recording.topics(recording), Replayer.Options.MAX_SPEED, n -> { })
          .forEach((topic, n) -> console.printf("      %s: %d messages%n", topic, n));
      List<DemoPipeline.Report> reports = new java.util.ArrayList<>();
      try (TopicClient kafka = new TopicClient(stack.broker.bootstrapServers())) {
        progress(5, "Waiting for results (exactly-once: outputs appear as checkpoints complete)");
        for (DemoPipeline p : pipelines) {
          reports.add(p.report(kafka, out, console));
        }
      }
      List<Path> plots = new java.util.ArrayList<>();
      StringBuilder md = new StringBuilder("# convexstream demo\n");
      for (DemoPipeline.Report r : reports) {
        plots.addAll(r.plots());
        md.append("\n## ").append(r.job()).append("\n\n")
            .append(String.format("%d outputs (expected %d); %d dead letters (expected %d).%n%n",
                r.outputs(), r.expectedOutputs(), r.deadLetters(), r.expectedDeadLetters()));
        r.plots().forEach(w -> md.append("![").append(w.getFileName()).append("](").append(w.getFileName()).append(")\n\n"));
      }
      Path summary = out.resolve("summary.md");
      Files.writeString(summary, md.toString());
      console.println();
      console.println("Where to look");
      console.println("  Flink web UI:   " + stack.flink.restAddress() + (hold ? "" : "  (up while the demo runs; use --hold to browse it)"));
      console.println("  serving view:   " + stack.http.address() + "/ready, " + stack.http.address() + "/portfolios/"
          + PortfolioDemo.ID + ", " + stack.http.address() + "/moe/" + MoeDemo.MODEL + "/layers/0");
      console.println("  output topics:  " + Topic.PARAMETERS.topicName() + ", " + Topic.EXPERT_BIASES.topicName() + ", "
          + Topic.PLACEMENT_PLANS.topicName() + ", " + Topic.PORTFOLIO_DECISIONS.topicName() + ", " + Topic.DEAD_LETTERS.topicName()
          + " on " + stack.broker.bootstrapServers());
      plots.forEach(p -> console.println("  plot:           " + p.toAbsolutePath()));
      console.println("  serving view:   GET /portfolios/" + PortfolioDemo.ID + " -> " + servingAnswer(stack.http.address().resolve("/portfolios/" + PortfolioDemo.ID)));
      console.println("  summary:        " + summary.toAbsolutePath());
      boolean complete = true;
      for (DemoPipeline.Report r : reports) {
        if (!r.complete()) {
          complete = false;
          console.printf("INCOMPLETE %s: %d of %d outputs, %d of %d dead letters%n",
              r.job(), r.outputs(), r.expectedOutputs(), r.deadLetters(), r.expectedDeadLetters());
        }
      }
      if (hold) {
        console.println();
        console.println("Holding: the job keeps running. Press Ctrl-C to stop everything.");
        new CountDownLatch(1).await();
      }
      return complete ? 0 : 1;
    } finally {
      stack.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
    }
  }

  /** The serving view's answer (waiting up to 15 s for it to catch up), shortened for the console. */
  private static String servingAnswer(java.net.URI uri) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 15_000;
    java.net.http.HttpResponse<String> r;
    do {
      r = client.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        break;
      }
      Thread.sleep(200);
    } while (System.currentTimeMillis() < deadline);
    String body = r.body();
    return "HTTP " + r.statusCode() + " " + (body.length() > 110 ? body.substring(0, 110) + " ..." : body);
  }

  private void progress(int step, String what) {
    console.printf("[%d/5] %s ...%n", step, what);
  }

  /** What the demo started, closed once in reverse order (also from the Ctrl-C hook). */
  private final class Stack {
    EmbeddedKafkaBroker broker;
    LocalFlinkCluster flink;
    ServingView view;
    ServingHttp http;
    final List<JobID> jobs = new java.util.ArrayList<>();
    private boolean closed;

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      console.println("Shutting down ...");
      if (http != null) {
        http.close();
      }
      if (view != null) {
        view.close();
      }
      try {
        if (flink != null) {
          for (JobID id : jobs) {
            flink.cancel(id); // before closing, so tasks stop cleanly instead of being torn down
          }
          flink.close();
        }
      } catch (Exception e) {
        console.println("  Flink: " + e.getMessage());
      }
      if (broker != null) {
        broker.close();
      }
      console.println("Stopped; broker data removed.");
    }
  }
}
