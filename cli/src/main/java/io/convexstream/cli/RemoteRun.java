package io.convexstream.cli;

import io.convexstream.jobs.JobLaunch;
import io.convexstream.local.FlinkRest;
import java.io.File;
import java.net.URI;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A job submitted to a remote Flink cluster through its REST address; the cluster keeps its checkpoints. */
final class RemoteRun {
  private final String address;
  private final String host;
  private final int port;
  private final JobLaunch launch;

  private RemoteRun(String address, String host, int port, JobLaunch launch) {
    this.address = address;
    this.host = host;
    this.port = port;
    this.launch = launch;
  }

  static RemoteRun at(String address, JobLaunch launch) {
    String[] hostPort = address.split(":");
    if (hostPort.length != 2 || !hostPort[1].matches("\\d+")) {
      throw new IllegalArgumentException("--flink must be 'local' or host:port, not " + address);
    }
    return new RemoteRun(address, hostPort[0], Integer.parseInt(hostPort[1]), launch);
  }

  /** The cluster answers, and no job of this name is running on it. */
  void checkNameIsFree() {
    List<String> running;
    try {
      running = new FlinkRest(URI.create("http://" + address)).unfinishedJobsNamed(launch.flinkJobName());
    } catch (Exception e) {
      throw new IllegalStateException("no Flink REST API answers at " + address + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    if (!running.isEmpty()) {
      throw new IllegalStateException("a job named '" + launch.flinkJobName() + "' is already running on " + address + " ("
          + running.get(0) + "); stop it, or run this one with another --name");
    }
  }

  /** Submits the job, resuming {@code restore} where given; a restart names the savepoint or checkpoint to resume. */
  void submit(String restore, boolean fresh, List<File> jars) throws Exception {
    if (restore == null && !fresh) {
      RunCommand.refuseStatelessStart(launch, "the savepoint or retained checkpoint to resume with --from-savepoint PATH");
    }
    Configuration remote = new Configuration();
    if (restore != null) {
      remote.set(StateRecoveryOptions.SAVEPOINT_PATH, restore);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
        host, port, remote, jars.stream().map(File::getPath).toArray(String[]::new));
    launch.prepare(env);
    var client = env.executeAsync(launch.flinkJobName());
    System.out.println("submitted " + launch.flinkJobName() + " as " + client.getJobID() + " to " + address);
    if (launch.bounded()) {
      client.getJobExecutionResult().get();
      System.out.println("finished " + client.getJobID());
    }
  }
}
