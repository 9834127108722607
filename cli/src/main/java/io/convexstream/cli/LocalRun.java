package io.convexstream.cli;

import io.convexstream.jobs.JobLaunch;
import io.convexstream.jobs.JobSettings;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.local.RetainedState;
import io.convexstream.local.SavepointOffsets;
import io.convexstream.local.StateDirLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A job on a MiniCluster in this process, its checkpoints and savepoints in a state directory that
 * outlives the process, so that the next run resumes from the newest, after a crash as after a stop.
 */
final class LocalRun {
  private final JobLaunch launch;
  private final Path state;
  private final int uiPort;
  private final int prometheusPort;

  LocalRun(JobLaunch launch, Path state, int uiPort, int prometheusPort) {
    this.launch = launch;
    this.state = state;
    this.uiPort = uiPort;
    this.prometheusPort = prometheusPort;
  }

  /** Runs the job until it ends, resuming {@code fromSavepoint}, else (unless {@code fresh}) the newest retained state. */
  void run(String fromSavepoint, boolean fresh) throws Exception {
    try (StateDirLock lock = StateDirLock.acquire(state)) { // before anything reads or prunes the directory
      claim();
      String restore = restorePoint(fromSavepoint, fresh);
      try (LocalFlinkCluster cluster = LocalFlinkCluster.start(uiPort, Math.max(4, launch.parallelism() * 2), prometheusPort, state)) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        launch.prepare(env);
        Instant started = Instant.now();
        String jobName = launch.flinkJobName();
        JobID id = cluster.submit(env, jobName, restore);
        lock.describe("process " + ProcessHandle.current().pid() + " runs " + jobName + " as Flink job " + id + ", web UI "
            + cluster.restAddress());
        System.out.println("submitted " + jobName + " as " + id + (restore != null ? ", resuming from " + restore : ", with empty state")
            + "; Flink web UI: " + cluster.restAddress()
            + (prometheusPort >= 0 ? "; Prometheus: http://localhost:" + prometheusPort + "/metrics" : ""));
        System.out.println("state: " + state + " (checkpoints outlive this process; `convexstream stop --job " + launch.instance()
            + " --flink " + cluster.restAddress().getHost() + ":" + cluster.restAddress().getPort() + "` stops it with a savepoint)");
        JobStatus end = cluster.awaitTerminal(id);
        Optional<Path> savepoint = RetainedState.latestSavepoint(state)
            .filter(p -> p.resolve("_metadata").toFile().lastModified() >= started.toEpochMilli());
        System.out.println(jobName + " " + end.name().toLowerCase()
            + savepoint.map(p -> " with savepoint " + p + "; the next run resumes from it").orElse(""));
        if (end == JobStatus.FINISHED && savepoint.isPresent()) {
          commitSavepointOffsets(launch.settings(), launch.inputs(), savepoint.get());
        }
        if (end != JobStatus.FINISHED) {
          cluster.awaitFinished(id, 60_000); // throws with the failure's cause
        }
      }
    }
  }

  /**
   * Leaves the job's consumer group at the offsets its savepoint covers: the sources commit offsets
   * a while after each checkpoint, and the savepoint's commit is lost as the job finishes, so the
   * group would lag behind the outputs and a --fresh start would apply those inputs again.
   */
  private static void commitSavepointOffsets(JobSettings settings, Collection<Topic> inputs, Path savepoint) throws IOException {
    Set<String> topics = inputs.stream().map(Topic::topicName).collect(Collectors.toSet());
    var offsets = SavepointOffsets.of(savepoint);
    offsets.keySet().removeIf(partition -> !topics.contains(partition.topic())); // the group reads these topics only
    if (!offsets.isEmpty()) {
      TopicAdmin.commitOffsets(settings.kafka(), settings.groupId(), offsets);
      System.out.println("group " + settings.groupId() + " committed at the savepoint's offsets (" + offsets.size() + " partitions)");
    }
  }

  /**
   * Where the job resumes: --from-savepoint, else (unless --fresh) the newest checkpoint or
   * savepoint in the state directory; with neither, a start without state, which {@link
   * RunCommand#refuseStatelessStart} refuses where the instance ran on the Kafka cluster before.
   */
  private String restorePoint(String fromSavepoint, boolean fresh) {
    if (fromSavepoint != null) {
      return fromSavepoint;
    }
    if (fresh) {
      return null;
    }
    Optional<Path> latest = RetainedState.latest(state);
    if (latest.isPresent()) {
      RetainedState.removeSuperseded(state, latest.get());
      return latest.get().toUri().toString();
    }
    RunCommand.refuseStatelessStart(launch, "the state directory with --state-dir DIR or a savepoint with --from-savepoint PATH"
        + " (none is under " + state + ")");
    return null;
  }

  /**
   * A state directory belongs to one job instance on one Kafka cluster: resuming another's state
   * would read offsets of other topics or another cluster. The first run writes whose it is: the
   * group and the cluster's id (the same whatever address or port the cluster is reached at).
   */
  private void claim() throws IOException {
    JobSettings settings = launch.settings();
    Path owner = state.resolve("instance.properties");
    Properties p = new Properties();
    p.setProperty("cluster", TopicAdmin.clusterId(settings.kafka()));
    p.setProperty("group", settings.groupId());
    if (Files.exists(owner)) {
      Properties was = new Properties();
      try (var in = Files.newBufferedReader(owner)) {
        was.load(in);
      }
      // a directory written before clusters were named by id names the bootstrap address instead
      boolean sameCluster = was.containsKey("cluster") ? p.getProperty("cluster").equals(was.getProperty("cluster"))
          : settings.bootstrapServers().equals(was.getProperty("bootstrap"));
      if (!was.getProperty("group").equals(p.getProperty("group")) || !sameCluster) {
        throw new IllegalStateException("state directory " + state + " holds the state of group " + was.getProperty("group")
            + " on Kafka cluster " + was.getProperty("cluster", was.getProperty("bootstrap")) + ", not of group " + settings.groupId()
            + " on cluster " + p.getProperty("cluster") + " (" + settings.bootstrapServers() + "); give this job another --state-dir or --name");
      }
      if (was.containsKey("cluster")) {
        return;
      }
    }
    Files.createDirectories(state);
    try (var out = Files.newBufferedWriter(owner)) {
      p.store(out, "convexstream run: the job instance whose checkpoints and savepoints are here");
    }
  }
}
