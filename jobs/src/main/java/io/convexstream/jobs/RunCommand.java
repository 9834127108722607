package io.convexstream.jobs;

import io.convexstream.connectors.kafka.TopicAdmin;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.StreamJob;
import io.convexstream.jobs.local.FlinkRest;
import io.convexstream.jobs.local.LocalFlinkCluster;
import io.convexstream.jobs.local.RetainedState;
import io.convexstream.jobs.local.StateDirLock;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Run one job against an existing Kafka cluster.",
        "",
        "The job runs on a local Flink MiniCluster (with web UI), or is submitted",
        "to a remote Flink cluster through its REST address.",
        "",
        "Restarts are explicit: locally the job keeps its checkpoints (and savepoints of",
        "`convexstream stop`) in --state-dir, and the next run resumes from the newest,",
        "after a crash as after a stop. A start without state is refused where this",
        "instance ran on the Kafka cluster before (its group's committed offsets or its",
        "sinks' transactional ids; it would process its inputs again with empty state),",
        "unless --fresh or --from-savepoint says what to do.",
        ""})
public final class RunCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  KafkaOptions kafka;

  @Option(names = "--job", required = true, description = "Job to run: ${COMPLETION-CANDIDATES}.", completionCandidates = JobNames.class)
  String job;

  @Option(names = "--flink", defaultValue = "local", description = {"'local' (a MiniCluster in this JVM), the REST address host:port of a Flink cluster, or 'cluster' (the",
      "environment this program runs in: flink run, application mode; see ClusterMain) (default: ${DEFAULT-VALUE})."})
  String flink;

  @Option(names = "--jar", description = "Job jar(s) to ship to a remote cluster (the classes of the job and their dependencies not in Flink's lib/).")
  List<File> jars = List.of();

  @Option(names = "--ui-port", defaultValue = "8081", description = "Preferred local web UI port (default: ${DEFAULT-VALUE}).")
  int uiPort;

  @Option(names = "--name", description = {"Name of this instance of the job (default: the job's name): the Flink job is",
      "'convexstream NAME', its transactional ids and default group id start with convexstream-NAME, so two instances",
      "of one job can run side by side; run refuses a name already running on the Flink cluster."})
  String name;

  @Option(names = "--group-id", description = "Consumer group of the job's sources (default: convexstream-<name>).")
  String groupId;

  @Option(names = "--parallelism", defaultValue = "2", description = "Operator parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--delivery", defaultValue = "EXACTLY_ONCE", description = "Kafka sink guarantee: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  DeliveryGuarantee delivery;

  @Option(names = "--checkpoint-interval", defaultValue = "PT2S", description = "Checkpoint interval, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration checkpointInterval;

  @Option(names = "--bounded", description = "Stop at the input offsets that are latest at start instead of running forever.")
  boolean bounded;

  @Option(names = "--create-topics", description = "Create the job's topics first (replication 1) where missing.")
  boolean createTopics;

  @Option(names = "--prometheus-port", defaultValue = "-1", description = "Local mode: serve metrics for Prometheus on this port (default: off).")
  int prometheusPort;

  @Option(names = "--from-savepoint", description = "Restore the job from this savepoint or retained checkpoint (a path or URI).")
  String fromSavepoint;

  @Option(names = "--state-dir", description = {"Local mode: where the job's checkpoints and savepoints outlive the process, and",
      "where the next run resumes from (default: ~/.convexstream/state/<name>)."})
  Path stateDir;

  @Option(names = "--fresh", description = {"Start with empty state even though this instance ran on the Kafka cluster before",
      "(the inputs are read from the group's committed offsets, or from the beginning where it has none) or the state",
      "directory holds a checkpoint (left as it is)."})
  boolean fresh;

  @Option(names = "--set", description = {"Job option KEY=VALUE (repeatable), e.g. learner=oomd, learner.domain=ball:1,",
      "learner.G=3, loss=logistic, emitEvery=10, override.ogd/=ogd;G=3. `convexstream options JOB` lists them;",
      "unknown keys and values are errors."})
  java.util.Map<String, String> options = new java.util.HashMap<>();

  @Option(names = "--dry-run", description = "Check every option and build the job, print its plan, and submit nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    StreamJob streamJob = Jobs.byName(job);
    String instance = name != null ? name : job;
    io.convexstream.connectors.kafka.KafkaConnection connection = kafka.connection();
    JobSettings settings = new JobSettings(connection, groupId != null ? groupId : "convexstream-" + instance,
        bounded, delivery, checkpointInterval, parallelism, options, name);
    String jobName = "convexstream " + instance;
    // options first (the job is built on an environment of its own, which runs nothing), then the
    // addresses: every mistake fails in seconds with one line
    StreamExecutionEnvironment check = StreamExecutionEnvironment.createLocalEnvironment();
    Jobs.prepare(check, streamJob, settings);
    if (dryRun) {
      System.out.println(plan(streamJob, settings, check));
      return 0;
    }
    TopicAdmin.checkReachable(connection, Duration.ofSeconds(10));
    if (!createTopics) {
      boolean replay = options.containsKey(JobOptions.REPLAY_DIR.key()); // inputs from a recording, not Kafka
      TopicAdmin.checkAccess(connection, replay ? List.of() : streamJob.inputs(options), streamJob.writes());
    }
    if (!flink.equals("local") && !flink.equals("cluster")) {
      checkFlink(jobName);
    }
    if (createTopics) { // the job's own topics only: a job user sees (and may need) no others
      java.util.Set<io.convexstream.connectors.kafka.Topic> own = new java.util.LinkedHashSet<>(streamJob.inputs(options));
      own.addAll(streamJob.writes());
      System.out.println("created topics: " + TopicAdmin.create(connection, own, 0, (short) 1));
    }
    if (flink.equals("local")) {
      Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".convexstream", "state", instance);
      try (StateDirLock lock = StateDirLock.acquire(state)) { // before anything reads or prunes the directory
        claim(state, settings);
        runLocally(streamJob, settings, jobName, instance, state, restorePoint(state, settings, job), lock);
      }
      return 0;
    }
    if (flink.equals("cluster")) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, streamJob, settings);
      var client = env.executeAsync(jobName);
      System.out.println("submitted " + jobName + " as " + client.getJobID());
      return 0;
    }
    String[] hostPort = flink.split(":");
    if (hostPort.length != 2) {
      throw new IllegalArgumentException("--flink must be 'local' or host:port, not " + flink);
    }
    // remote clusters keep their own checkpoints: a restart names the savepoint or checkpoint to resume
    String restore = fromSavepoint;
    if (restore == null && !fresh) {
      refuseStatelessStart(settings, job, "the savepoint or retained checkpoint to resume with --from-savepoint PATH");
    }
    Configuration remote = new Configuration();
    if (restore != null) {
      remote.set(StateRecoveryOptions.SAVEPOINT_PATH, restore);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
        hostPort[0], Integer.parseInt(hostPort[1]), remote, jars.stream().map(File::getPath).toArray(String[]::new));
    Jobs.prepare(env, streamJob, settings);
    var client = env.executeAsync(jobName);
    System.out.println("submitted " + jobName + " as " + client.getJobID() + " to " + flink);
    if (bounded) {
      client.getJobExecutionResult().get();
      System.out.println("finished " + client.getJobID());
    }
    return 0;
  }

  /** Runs the job on a MiniCluster in this process with its state in {@code state} (resuming {@code restore}), until it ends. */
  private void runLocally(StreamJob streamJob, JobSettings settings, String jobName, String instance, Path state, String restore,
      StateDirLock lock) throws Exception {
    try (LocalFlinkCluster cluster = LocalFlinkCluster.start(uiPort, Math.max(4, parallelism * 2), prometheusPort, state)) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, streamJob, settings);
      Instant started = Instant.now();
      JobID id = cluster.submit(env, jobName, restore);
      lock.describe("process " + ProcessHandle.current().pid() + " runs " + jobName + " as Flink job " + id + ", web UI "
          + cluster.restAddress());
      System.out.println("submitted " + jobName + " as " + id + (restore != null ? ", resuming from " + restore : ", with empty state")
          + "; Flink web UI: " + cluster.restAddress()
          + (prometheusPort >= 0 ? "; Prometheus: http://localhost:" + prometheusPort + "/metrics" : ""));
      System.out.println("state: " + state + " (checkpoints outlive this process; `convexstream stop --job " + instance
          + " --flink " + cluster.restAddress().getHost() + ":" + cluster.restAddress().getPort() + "` stops it with a savepoint)");
      JobStatus end = cluster.awaitTerminal(id);
      Optional<Path> savepoint = RetainedState.latestSavepoint(state)
          .filter(p -> p.resolve("_metadata").toFile().lastModified() >= started.toEpochMilli());
      System.out.println(jobName + " " + end.name().toLowerCase()
          + savepoint.map(p -> " with savepoint " + p + "; the next run resumes from it").orElse(""));
      if (end == JobStatus.FINISHED && savepoint.isPresent()) {
        commitSavepointOffsets(settings, streamJob.inputs(options), savepoint.get());
      }
      if (end != JobStatus.FINISHED) {
        cluster.awaitFinished(id, 60_000); // throws with the failure's cause
      }
    }
  }

  /**
   * Leaves the job's consumer group at the offsets its savepoint covers: the sources commit offsets
   * a while after each checkpoint, and the savepoint's commit is lost as the job finishes, so the
   * group would lag behind the outputs and a --fresh start would apply those inputs again.
   */
  private static void commitSavepointOffsets(JobSettings settings, java.util.Collection<io.convexstream.connectors.kafka.Topic> inputs,
      Path savepoint) throws IOException {
    Set<String> topics = inputs.stream().map(io.convexstream.connectors.kafka.Topic::topicName).collect(java.util.stream.Collectors.toSet());
    var offsets = io.convexstream.jobs.local.SavepointOffsets.of(savepoint);
    offsets.keySet().removeIf(partition -> !topics.contains(partition.topic())); // the group reads these topics only
    if (!offsets.isEmpty()) {
      TopicAdmin.commitOffsets(settings.kafka(), settings.groupId(), offsets);
      System.out.println("group " + settings.groupId() + " committed at the savepoint's offsets (" + offsets.size() + " partitions)");
    }
  }

  /**
   * Where the local job resumes: --from-savepoint, else (unless --fresh) the newest checkpoint or
   * savepoint in the state directory; with neither, a start without state, which {@link
   * #refuseStatelessStart} refuses where the instance ran on the Kafka cluster before.
   */
  private String restorePoint(Path state, JobSettings settings, String streamJobName) {
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
    refuseStatelessStart(settings, streamJobName, "the state directory with --state-dir DIR or a savepoint with --from-savepoint PATH"
        + " (none is under " + state + ")");
    return null;
  }

  /**
   * Refuses a start without state where this job instance ran on this Kafka cluster before: its
   * group committed offsets, or its exactly-once sinks left their transactional ids (the source's
   * offset commits reach the group seconds after a checkpoint, so a run killed early may have none;
   * the ids are registered with the first checkpoint). Starting anyway would process the inputs again, from the committed
   * offsets or from the beginning, with empty state: versions, periods and wealth starting over.
   */
  private void refuseStatelessStart(JobSettings settings, String job, String whatToGive) {
    Set<String> topics = TopicAdmin.topicsWithCommittedOffsets(settings.kafka(), settings.groupId());
    String prefix = settings.transactionalIdPrefix(job, "dead-letters") + "-";
    Set<String> transactions = TopicAdmin.transactionalIds(settings.kafka(), prefix);
    if (!topics.isEmpty() || !transactions.isEmpty()) {
      String evidence = !topics.isEmpty() ? "consumer group " + settings.groupId() + " has committed offsets on " + topics
          : "its exactly-once outputs were written here before (transactional ids " + prefix + "*)";
      throw new IllegalStateException("job instance " + (settings.instance() == null ? job : settings.instance())
          + " ran on this Kafka cluster before: " + evidence + ". Starting without state would process its inputs again with"
          + " empty state (versions, periods and wealth start over); give " + whatToGive + ", or pass --fresh to start with"
          + " empty state anyway");
    }
  }

  /**
   * A state directory belongs to one job instance on one Kafka cluster: resuming another's state
   * would read offsets of other topics or another cluster. The first run writes whose it is: the
   * group and the cluster's id (the same whatever address or port the cluster is reached at).
   */
  private static void claim(Path state, JobSettings settings) throws IOException {
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

  /** The remote cluster answers, and no job of this name is running on it. */
  private void checkFlink(String jobName) {
    String[] hostPort = flink.split(":");
    if (hostPort.length != 2 || !hostPort[1].matches("\\d+")) {
      throw new IllegalArgumentException("--flink must be 'local', 'cluster' or host:port, not " + flink);
    }
    List<String> running;
    try {
      running = new FlinkRest(java.net.URI.create("http://" + flink)).unfinishedJobsNamed(jobName);
    } catch (Exception e) {
      throw new IllegalStateException("no Flink REST API answers at " + flink + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    if (!running.isEmpty()) {
      throw new IllegalStateException("a job named '" + jobName + "' is already running on " + flink + " (" + running.get(0)
          + "); stop it, or run this one with another --name");
    }
  }

  /** What would run: the job, its settings and options, and its operators in order with their parallelism. */
  static String plan(StreamJob job, JobSettings s, StreamExecutionEnvironment env) {
    StringBuilder b = new StringBuilder();
    b.append("job ").append(job.name()).append(": ").append(job.description()).append('\n');
    // the connection prints its client properties with secrets masked
    b.append("kafka ").append(s.kafka()).append(", group ").append(s.groupId()).append(", delivery ").append(s.delivery())
        .append(", checkpoints every ").append(s.checkpointInterval()).append(s.bounded() ? ", bounded" : "").append('\n');
    b.append("options (checked):\n");
    new java.util.TreeMap<>(s.options()).forEach((k, v) -> b.append("  ").append(k).append('=').append(v).append('\n'));
    b.append("operators:\n");
    env.getStreamGraph(false).getStreamNodes().stream()
        .sorted(java.util.Comparator.comparingInt(n -> n.getId()))
        .forEach(n -> b.append(String.format("  %-28s parallelism %d%n", n.getOperatorName(), n.getParallelism())));
    return b.toString().stripTrailing();
  }

  /** Job names for help and completion. */
  public static final class JobNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Jobs.all().keySet().iterator();
    }
  }
}
