package io.convexstream.cli;

import io.convexstream.jobs.JobLaunch;
import io.convexstream.jobs.JobSettings;
import io.convexstream.kafka.TopicAdmin;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Run one job against an existing Kafka cluster.",
        "",
        "The job runs on a local Flink MiniCluster (with web UI), or is submitted",
        "to a remote Flink cluster through its REST address (on a cluster's own",
        "JobManager, flink run or application mode, the entry class is ClusterMain).",
        "",
        "Restarts are explicit: locally the job keeps its checkpoints (and savepoints of",
        "`convexstream stop`) in --state-dir, and the next run resumes from the newest,",
        "after a crash as after a stop. A start without state is refused where this",
        "instance ran on the Kafka cluster before (its group's committed offsets or its",
        "sinks' transactional ids; it would process its inputs again with empty state),",
        "unless --fresh or --from-savepoint says what to do.",
        ""})
public final class RunCommand implements Callable<Integer> {
  @Mixin
  JobLaunch launch;

  @Option(names = "--flink", defaultValue = "local", description = {"'local' (a MiniCluster in this JVM) or the REST address",
      "host:port of a Flink cluster (default: ${DEFAULT-VALUE})."})
  String flink;

  @Option(names = "--jar", description = "Job jar(s) to ship to a remote cluster (the classes of the job and their dependencies not in Flink's lib/).")
  List<File> jars = List.of();

  @Option(names = "--ui-port", defaultValue = "8081", description = "Preferred local web UI port (default: ${DEFAULT-VALUE}).")
  int uiPort;

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

  @Override
  public Integer call() throws Exception {
    String plan = launch.checkedPlan(); // options first, then the addresses: every mistake fails in seconds with one line
    if (launch.dryRun()) {
      System.out.println(plan);
      return 0;
    }
    RemoteRun remote = flink.equals("local") ? null : RemoteRun.at(flink, launch);
    launch.checkKafka();
    if (remote != null) {
      remote.checkNameIsFree();
    }
    launch.createTopics();
    if (remote != null) {
      remote.submit(fromSavepoint, fresh, jars);
    } else {
      Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".convexstream", "state", launch.instance());
      new LocalRun(launch, state, uiPort, prometheusPort).run(fromSavepoint, fresh);
    }
    return 0;
  }

  /**
   * Refuses a start without state where this job instance ran on this Kafka cluster before: its
   * group committed offsets, or its exactly-once sinks left their transactional ids (the source's
   * offset commits reach the group seconds after a checkpoint, so a run killed early may have none;
   * the ids are registered with the first checkpoint). Starting anyway would process the inputs again, from the committed
   * offsets or from the beginning, with empty state: versions, periods and wealth starting over.
   */
  static void refuseStatelessStart(JobLaunch launch, String whatToGive) {
    JobSettings settings = launch.settings();
    Set<String> topics = TopicAdmin.topicsWithCommittedOffsets(settings.kafka(), settings.groupId());
    String prefix = settings.transactionalIdPrefix(launch.jobName(), "dead-letters") + "-";
    Set<String> transactions = TopicAdmin.transactionalIds(settings.kafka(), prefix);
    if (!topics.isEmpty() || !transactions.isEmpty()) {
      String evidence = !topics.isEmpty() ? "consumer group " + settings.groupId() + " has committed offsets on " + topics
          : "its exactly-once outputs were written here before (transactional ids " + prefix + "*)";
      throw new IllegalStateException("job instance " + launch.instance()
          + " ran on this Kafka cluster before: " + evidence + ". Starting without state would process its inputs again with"
          + " empty state (versions, periods and wealth start over); give " + whatToGive + ", or pass --fresh to start with"
          + " empty state anyway");
    }
  }
}
