package io.convexstream.streams.cli;

import io.convexstream.connectors.kafka.EmbeddedKafkaBroker;
import io.convexstream.connectors.kafka.Topic;
import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.streams.demo.GradientDemo;
import io.convexstream.streams.jobs.GradientJob;
import io.convexstream.streams.jobs.JobSettings;
import io.convexstream.streams.jobs.Jobs;
import io.convexstream.streams.local.LocalFlinkCluster;
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

  @Option(names = "--out", defaultValue = "demo-out", description = "Directory for plots and the summary (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--steps", defaultValue = "300", description = "Rounds per model in the gradient pipeline (default: ${DEFAULT-VALUE}).")
  int steps;

  private final PrintStream console = System.out;

  @Override
  public Integer call() throws Exception {
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
      stack.flink = LocalFlinkCluster.start(uiPort, 4);
      console.println("      Flink web UI: " + stack.flink.restAddress());

      progress(3, "Submitting the gradient job");
      JobSettings settings = JobSettings.defaults(stack.broker.bootstrapServers(), "convexstream-demo");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, new GradientJob(), settings);
      JobID job = stack.flink.submit(env, "convexstream " + GradientJob.NAME);
      stack.jobs.add(job);
      stack.flink.awaitRunning(job, 60_000);
      console.println("      job " + job + " running");

      progress(4, "Feeding bundled data");
      GradientDemo gradients = new GradientDemo(steps);
      List<ParameterUpdate> updates;
      List<DeadLetter> deadLetters;
      try (TopicClient kafka = new TopicClient(stack.broker.bootstrapServers())) {
        gradients.feed(kafka);
        console.printf("      %d gradients for %d models + %d bad records -> %s%n",
            gradients.expectedUpdates(), GradientDemo.MODELS.size(), GradientDemo.BAD_RECORDS, Topic.GRADIENTS.topicName());
        progress(5, "Waiting for results (exactly-once: outputs appear as checkpoints complete)");
        updates = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, gradients.expectedUpdates(), Duration.ofSeconds(120));
        deadLetters = kafka.read(Topic.DEAD_LETTERS, DeadLetter.class, GradientDemo.BAD_RECORDS, Duration.ofSeconds(30));
      }

      Path plot = gradients.report(updates, deadLetters, out, console);
      Path summary = out.resolve("summary.md");
      Files.writeString(summary, String.join("\n",
          "# convexstream demo",
          "",
          "## Gradient pipeline",
          "",
          String.format("%d parameter updates for %d models; %d dead letters.", updates.size(), GradientDemo.MODELS.size(), deadLetters.size()),
          "",
          "![regret](" + plot.getFileName() + ")",
          ""));
      console.println();
      console.println("Where to look");
      console.println("  Flink web UI:   " + stack.flink.restAddress() + (hold ? "" : "  (up while the demo runs; use --hold to browse it)"));
      console.println("  output topics:  " + Topic.PARAMETERS.topicName() + ", " + Topic.DEAD_LETTERS.topicName() + " on " + stack.broker.bootstrapServers());
      console.println("  plots:          " + plot.toAbsolutePath());
      console.println("  summary:        " + summary.toAbsolutePath());
      boolean complete = updates.size() == gradients.expectedUpdates() && deadLetters.size() == GradientDemo.BAD_RECORDS;
      if (!complete) {
        console.printf("INCOMPLETE: expected %d updates and %d dead letters%n", gradients.expectedUpdates(), GradientDemo.BAD_RECORDS);
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

  private void progress(int step, String what) {
    console.printf("[%d/5] %s ...%n", step, what);
  }

  /** What the demo started, closed once in reverse order (also from the Ctrl-C hook). */
  private final class Stack {
    EmbeddedKafkaBroker broker;
    LocalFlinkCluster flink;
    final List<JobID> jobs = new java.util.ArrayList<>();
    private boolean closed;

    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      console.println("Shutting down ...");
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
