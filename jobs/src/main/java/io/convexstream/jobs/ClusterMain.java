package io.convexstream.jobs;

import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

/**
 * Entry class for jobs on a Flink cluster ({@code flink run}, the Flink Kubernetes Operator's
 * application mode): the job options of {@code convexstream run}, e.g. {@code --job gradients
 * --bootstrap kafka:9092 --set learner=oomd}, run in the environment this program was started in.
 * It returns instead of calling System.exit, which in application mode would stop the JobManager.
 */
@Command(name = "ClusterMain", mixinStandardHelpOptions = true,
    description = "Submit one convexstream job to the Flink cluster this program runs in (flink run, application mode).")
public final class ClusterMain implements Callable<Integer> {
  @Mixin
  JobLaunch launch;

  public static void main(String[] args) {
    int code = new CommandLine(new ClusterMain()).execute(args);
    if (code != 0) {
      throw new IllegalStateException("convexstream job submission failed (exit code " + code + "); see the messages above");
    }
  }

  @Override
  public Integer call() throws Exception {
    String plan = launch.checkedPlan();
    if (launch.dryRun()) {
      System.out.println(plan);
      return 0;
    }
    launch.checkKafka();
    launch.createTopics();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    launch.prepare(env);
    var client = env.executeAsync(launch.flinkJobName());
    System.out.println("submitted " + launch.flinkJobName() + " as " + client.getJobID());
    return 0;
  }
}
