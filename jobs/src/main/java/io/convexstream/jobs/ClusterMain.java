package io.convexstream.jobs;

/**
 * Entry class for jobs on a Flink cluster ({@code flink run}, the Flink Kubernetes Operator's
 * application mode): the {@code run} command's options, e.g. {@code --job gradients --bootstrap
 * kafka:9092 --set learner=oomd}, with {@code --flink cluster} implied. It returns instead of
 * calling System.exit, which in application mode would stop the JobManager.
 */
public final class ClusterMain {
  private ClusterMain() {}

  public static void main(String[] args) {
    String[] withCluster = new String[args.length + 2];
    withCluster[0] = "--flink";
    withCluster[1] = "cluster";
    System.arraycopy(args, 0, withCluster, 2, args.length);
    int code = new picocli.CommandLine(new RunCommand()).execute(withCluster);
    if (code != 0) {
      throw new IllegalStateException("convexstream run failed (exit code " + code + "); see the messages above");
    }
  }
}
