package io.convexstream.jobs;

import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.KafkaOptions;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a job is and how it reaches Kafka, whatever Flink it runs on: the options {@code convexstream
 * run} and {@link ClusterMain} share, and the checks every start makes before anything runs.
 */
public final class JobLaunch {
  @Mixin
  KafkaOptions kafka;

  @Option(names = "--job", required = true, description = "Job to run: ${COMPLETION-CANDIDATES}.", completionCandidates = JobNames.class)
  String job;

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

  @Option(names = "--set", description = {"Job option KEY=VALUE (repeatable), e.g. learner=oomd, learner.domain=ball:1,",
      "learner.G=3, loss=logistic, emitEvery=10, override.ogd/=ogd;G=3. `convexstream options JOB` lists them;",
      "unknown keys and values are errors."})
  Map<String, String> options = new HashMap<>();

  @Option(names = "--dry-run", description = "Check every option and build the job, print its plan, and submit nothing.")
  boolean dryRun;

  private JobSettings settings;

  public StreamJob streamJob() {
    return Jobs.byName(job);
  }

  /** The job's name as given with --job. */
  public String jobName() {
    return job;
  }

  /** This instance's name: --name, else the job's. */
  public String instance() {
    return name != null ? name : job;
  }

  /** The Flink job's name. */
  public String flinkJobName() {
    return "convexstream " + instance();
  }

  public boolean bounded() {
    return bounded;
  }

  public int parallelism() {
    return parallelism;
  }

  public boolean dryRun() {
    return dryRun;
  }

  public JobSettings settings() {
    if (settings == null) {
      KafkaConnection connection = kafka.connection();
      settings = new JobSettings(connection, groupId != null ? groupId : "convexstream-" + instance(),
          bounded, delivery, checkpointInterval, parallelism, options, name);
    }
    return settings;
  }

  /** The job's input topics under its options (none where it replays a recording). */
  public List<Topic> inputs() {
    return streamJob().inputs(options);
  }

  /**
   * Checks every option by building the job on an environment of its own, which runs nothing, and
   * returns the plan: every mistake fails in seconds with one line, before any address is tried.
   */
  public String checkedPlan() {
    StreamExecutionEnvironment check = StreamExecutionEnvironment.createLocalEnvironment();
    Jobs.prepare(check, streamJob(), settings());
    return plan(check);
  }

  /** The Kafka cluster answers and lets the job read its inputs and write its outputs. */
  public void checkKafka() {
    KafkaConnection connection = settings().kafka();
    TopicAdmin.checkReachable(connection, Duration.ofSeconds(10));
    if (!createTopics) {
      boolean replay = options.containsKey(JobOptions.REPLAY_DIR.key()); // inputs from a recording, not Kafka
      TopicAdmin.checkAccess(connection, replay ? List.of() : inputs(), streamJob().writes());
    }
  }

  /** With --create-topics, creates the job's own topics where missing: a job user sees (and may need) no others. */
  public void createTopics() {
    if (createTopics) {
      Set<Topic> own = new LinkedHashSet<>(inputs());
      own.addAll(streamJob().writes());
      System.out.println("created topics: " + TopicAdmin.create(settings().kafka(), own, 0, (short) 1));
    }
  }

  /** Builds the job on {@code env}. */
  public void prepare(StreamExecutionEnvironment env) {
    Jobs.prepare(env, streamJob(), settings());
  }

  /** What would run: the job, its settings and options, and its operators in order with their parallelism. */
  private String plan(StreamExecutionEnvironment env) {
    JobSettings s = settings();
    StreamJob streamJob = streamJob();
    StringBuilder b = new StringBuilder();
    b.append("job ").append(streamJob.name()).append(": ").append(streamJob.description()).append('\n');
    // the connection prints its client properties with secrets masked
    b.append("kafka ").append(s.kafka()).append(", group ").append(s.groupId()).append(", delivery ").append(s.delivery())
        .append(", checkpoints every ").append(s.checkpointInterval()).append(s.bounded() ? ", bounded" : "").append('\n');
    b.append("options (checked):\n");
    new TreeMap<>(s.options()).forEach((k, v) -> b.append("  ").append(k).append('=').append(v).append('\n'));
    b.append("operators:\n");
    env.getStreamGraph(false).getStreamNodes().stream()
        .sorted(Comparator.comparingInt(n -> n.getId()))
        .forEach(n -> b.append(String.format("  %-28s parallelism %d%n", n.getOperatorName(), n.getParallelism())));
    return b.toString().stripTrailing();
  }

  /** Job names for help and completion. */
  public static final class JobNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Jobs.all().keySet().iterator();
    }
  }
}
