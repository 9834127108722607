package io.convexstream.cli;

import io.convexstream.jobs.JobOptions;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.recording.Replayer;
import io.convexstream.local.LocalFlinkCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
        "Replay a recording into its Kafka topics, or straight into a job.",
        "",
        "Into Kafka: same partitions, keys, values, headers and timestamps, in recorded order.",
        "With --job: as a bounded source of the job on a local MiniCluster; outputs go to the",
        "Kafka topics as in a live run.",
        ""})
final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--in", required = true, description = "Recording directory.")
  Path in;

  @picocli.CommandLine.Mixin
  io.convexstream.kafka.KafkaOptions kafkaOptions;

  @Option(names = "--topics", split = ",", description = "Recorded topics to replay (default: all of them).")
  List<String> topics = List.of();

  @Option(names = "--speed", defaultValue = "max", description = "max, realtime or xN (N times faster than recorded); Kafka replay only (default: ${DEFAULT-VALUE}).")
  String speed;

  @Option(names = "--from", description = "Only messages with a timestamp at or after this instant (ISO-8601).")
  Instant from;

  @Option(names = "--to", description = "Only messages with a timestamp before this instant (ISO-8601).")
  Instant to;

  @Option(names = "--job", description = "Feed the recording into this job instead of Kafka: ${COMPLETION-CANDIDATES}.", completionCandidates = io.convexstream.jobs.JobLaunch.JobNames.class)
  String job;

  @Option(names = "--set", description = "Job option KEY=VALUE (repeatable), as for `run`.")
  Map<String, String> options = new HashMap<>();

  @Option(names = "--create-topics", description = "Create the catalogue's topics first (replication 1) if missing.")
  boolean createTopics;

  @Override
  public Integer call() throws Exception {
    if (createTopics) {
      System.out.println("created topics: " + TopicAdmin.createAll(kafkaOptions.connection()));
    }
    long fromMillis = from == null ? Long.MIN_VALUE : from.toEpochMilli();
    long toMillis = to == null ? Long.MAX_VALUE : to.toEpochMilli();
    if (job == null) {
      Replayer.Options o = new Replayer.Options(Replayer.Options.parseSpeed(speed), fromMillis, toMillis);
      Replayer.replay(kafkaOptions.checkedConnection(List.of(), List.of()), in, topics, o, n -> System.out.println("replayed " + n + " messages"))
          .forEach((topic, n) -> System.out.printf("replayed %d messages into %s%n", n, topic));
      return 0;
    }
    if (!speed.equals("max")) {
      throw new IllegalArgumentException("--speed applies to replay into Kafka; a job reads a recording at full speed");
    }
    StreamJob streamJob = Jobs.byName(job);
    Map<String, String> jobOptions = new HashMap<>(options);
    jobOptions.put(JobOptions.REPLAY_DIR.key(), in.toAbsolutePath().toString());
    jobOptions.put(JobOptions.REPLAY_FROM.key(), Long.toString(fromMillis));
    jobOptions.put(JobOptions.REPLAY_TO.key(), Long.toString(toMillis));
    JobSettings settings = new JobSettings(kafkaOptions.connection(), "convexstream-replay-" + job, true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofSeconds(2), 2, jobOptions, null);
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start(8081, 4)) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, streamJob, settings);
      JobID id = cluster.submit(env, "convexstream replay " + job);
      System.out.println("replaying " + in + " through " + job + " as " + id + "; Flink web UI: " + cluster.restAddress());
      cluster.awaitFinished(id, Long.MAX_VALUE);
      System.out.println("finished " + id);
    }
    return 0;
  }
}
