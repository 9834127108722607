package io.convexstream.local;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A Flink MiniCluster in this JVM with its REST endpoint and web UI (flink-runtime-web is on the
 * classpath). The UI binds to the preferred port on 127.0.0.1, or the next free one above it. Jobs
 * come from this process only: the REST API takes neither jars nor job graphs, both of which carry
 * code that would run here with this process's Kafka credentials ({@link InProcessJobsMiniCluster}). Checkpoints go to
 * files (no size cap, unlike the JobManager's memory): into a state directory given ({@link
 * RetainedState}: checkpoints/ and savepoints/, which outlive the process), or a temporary one
 * removed when the cluster closes; a job's option execution.checkpointing.dir overrides it.
 */
public final class LocalFlinkCluster implements AutoCloseable {
  private final MiniCluster cluster;
  private final FlinkRest rest;
  /** The temporary checkpoint directory to remove on close (null: the caller's). */
  private final Path temporaryCheckpoints;

  private LocalFlinkCluster(MiniCluster cluster, URI restAddress, Path temporaryCheckpoints) {
    this.cluster = cluster;
    this.rest = new FlinkRest(restAddress);
    this.temporaryCheckpoints = temporaryCheckpoints;
  }

  /**
   * Starts a cluster with {@code slots} task slots; the UI on {@code preferredPort} or the next free
   * port above it (0: any free port).
   */
  public static LocalFlinkCluster start(int preferredPort, int slots) throws Exception {
    return start(preferredPort, slots, -1);
  }

  /**
   * Like {@link #start(int, int)}, and with {@code prometheusPort >= 0} the Prometheus reporter
   * serves every metric at http://localhost:PORT/metrics (0: a free port in 9249-9349).
   */
  public static LocalFlinkCluster start(int preferredPort, int slots, int prometheusPort) throws Exception {
    return start(preferredPort, slots, prometheusPort, null);
  }

  /**
   * Like {@link #start(int, int, int)}, with checkpoints and savepoints (the default target of a stop
   * with savepoint) in {@code stateDir} (null: a temporary directory).
   */
  public static LocalFlinkCluster start(int preferredPort, int slots, int prometheusPort, Path stateDir) throws Exception {
    return start(preferredPort, slots, prometheusPort, stateDir, false);
  }

  /**
   * A cluster whose REST API also takes job graphs (POST /jobs), as a remote session cluster does:
   * for trying `run --flink HOST:PORT` against it. Job graphs carry code: anyone who reaches the port
   * runs code in this process.
   */
  public static LocalFlinkCluster startTakingJobGraphs(int slots) throws Exception {
    return start(0, slots, -1, null, true);
  }

  private static LocalFlinkCluster start(int preferredPort, int slots, int prometheusPort, Path stateDir, boolean takesJobGraphs)
      throws Exception {
    Path temporary = stateDir == null ? Files.createTempDirectory("convexstream-state-") : null;
    Path state = stateDir == null ? temporary : Files.createDirectories(stateDir);
    Configuration conf = new Configuration();
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, RetainedState.checkpoints(state).toUri().toString());
    conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, RetainedState.savepoints(state).toUri().toString());
    if (prometheusPort >= 0) {
      conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
      conf.setString("metrics.reporter.prom.port", prometheusPort == 0 ? "9249-9349" : String.valueOf(prometheusPort));
    }
    // jobs come from this process: the REST API takes no uploaded jars (their main() would run here,
    // with this process's Kafka credentials)
    conf.set(org.apache.flink.configuration.WebOptions.SUBMIT_ENABLE, false);
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "localhost");
    conf.set(RestOptions.BIND_PORT, preferredPort == 0 ? "0" : preferredPort + "-" + (preferredPort + 100));
    // managed memory is RocksDB's block cache and write buffers, shared by the slots: with the
    // MiniCluster's default (128 MB for all of them) the learning loop's learner blocks did not fit
    // and its reads went to the files, 2.5x slower (BENCHMARKS.md). Taken only by RocksDB, as it fills.
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("2g"));
    // the UI and REST metrics refresh every half second instead of every 10 s
    conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
    MiniClusterConfiguration config = new MiniClusterConfiguration.Builder()
        .setConfiguration(conf)
        .setNumTaskManagers(1)
        .setNumSlotsPerTaskManager(slots)
        .build();
    MiniCluster cluster = takesJobGraphs ? new MiniCluster(config) : new InProcessJobsMiniCluster(config);
    cluster.start();
    URI rest = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
    return new LocalFlinkCluster(cluster, rest, temporary);
  }

  /** Base address of the REST API and web UI, e.g. http://localhost:8081. */
  public URI restAddress() {
    return rest.address();
  }

  /** Submits the job built in {@code env} and returns at once. */
  public JobID submit(StreamExecutionEnvironment env, String jobName) throws Exception {
    return submit(env, jobName, null);
  }

  /** Submits the job built in {@code env}, restoring the savepoint at {@code savepoint} (null: none). */
  public JobID submit(StreamExecutionEnvironment env, String jobName, String savepoint) throws Exception {
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(jobName);
    if (savepoint != null) {
      graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
    }
    return cluster.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
  }

  /**
   * Stops the job with a savepoint under {@code directory} and returns its path. With {@code drain}
   * the sources end first (event time advances to the end, waiting work is flushed), as when a
   * bounded input ends; without, the job stops where it is, to continue from the savepoint.
   */
  public String stopWithSavepoint(JobID id, String directory, boolean drain) throws Exception {
    String path = cluster.stopWithSavepoint(id, directory, drain, SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
    cluster.requestJobResult(id).get(60, TimeUnit.SECONDS);
    return path;
  }

  /** The sum over all subtasks of an operator metric, read through the REST API: {@link FlinkRest#operatorMetric}. */
  public double operatorMetric(JobID id, String operatorPrefix, String name) throws Exception {
    return rest.operatorMetric(id, operatorPrefix, name);
  }

  /** GET of a REST API path, as JSON. */
  public JsonNode rest(String path) throws Exception {
    return rest.get(path);
  }

  /** Waits until every task of the job runs (a job short of task slots would wait forever). */
  public void awaitRunning(JobID id, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      var graph = cluster.getExecutionGraph(id).get(10, TimeUnit.SECONDS);
      if (graph.getState().isGloballyTerminalState()) {
        throw new IllegalStateException("job " + id + " ended " + graph.getState() + " while starting");
      }
      boolean allRunning = true;
      for (var vertex : graph.getAllExecutionVertices()) {
        allRunning &= vertex.getExecutionState() == org.apache.flink.runtime.execution.ExecutionState.RUNNING;
      }
      if (allRunning) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("job " + id + " has tasks not running after " + timeoutMillis + " ms (enough task slots?)");
      }
      Thread.sleep(100);
    }
  }

  public JobStatus status(JobID id) throws Exception {
    return cluster.getJobStatus(id).get(10, TimeUnit.SECONDS);
  }

  /** How many times a job restarted: the highest attempt number of any of its tasks. */
  public int restarts(JobID id) throws Exception {
    var graph = cluster.getArchivedExecutionGraph(id).get(10, TimeUnit.SECONDS);
    int most = 0;
    for (var v : graph.getAllExecutionVertices()) {
      most = Math.max(most, v.getCurrentExecutionAttempt().getAttemptNumber());
    }
    return most;
  }

  /** Whether the job's last restart restored state from a checkpoint (false: it started over). */
  public boolean restoredFromCheckpoint(JobID id) throws Exception {
    var stats = cluster.getArchivedExecutionGraph(id).get(10, TimeUnit.SECONDS).getCheckpointStatsSnapshot();
    return stats != null && stats.getLatestRestoredCheckpoint() != null;
  }

  /** Waits until the job reaches a terminal state (finished, cancelled, failed) and returns it. */
  public JobStatus awaitTerminal(JobID id) throws Exception {
    cluster.requestJobResult(id).get();
    return status(id);
  }

  /** Waits for a (bounded) job to end; throws if it failed. */
  public void awaitFinished(JobID id, long timeoutMillis) throws Exception {
    var result = cluster.requestJobResult(id).get(timeoutMillis, TimeUnit.MILLISECONDS);
    if (!result.isSuccess()) {
      throw new IllegalStateException("job " + id + " ended " + result.getApplicationStatus(),
          result.getSerializedThrowable().map(t -> t.deserializeError(getClass().getClassLoader())).orElse(null));
    }
  }

  /** Cancels a job and waits until it has stopped. */
  public void cancel(JobID id) throws Exception {
    if (status(id).isGloballyTerminalState()) {
      return;
    }
    cluster.cancelJob(id).get(30, TimeUnit.SECONDS);
    cluster.requestJobResult(id).get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      cluster.close();
    } finally {
      if (temporaryCheckpoints != null) {
        try (var paths = Files.walk(temporaryCheckpoints)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }
}
