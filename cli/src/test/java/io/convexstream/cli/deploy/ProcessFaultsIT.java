package io.convexstream.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.jobs.JobAccess;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.StandaloneCluster;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of whole processes, as an operator of a real deployment meets them: a TaskManager killed
 * with SIGKILL mid-stream (the cluster starts it again) and the Kafka broker stopped and started
 * again mid-stream (its data directory kept: a secured broker, TLS and SCRAM, whose users, ACLs and
 * certificates outlive the restart; the job runs as its own least-privilege user). The job goes on by itself, and what a read_committed
 * consumer sees equals the failure-free run: versions 1..N of every model, each with the
 * parameters the learner core computes, no gaps, no duplicates. REST metrics stay live after the
 * TaskManager loss (they froze for 10 minutes with Flink's default web.timeout).
 */
@Tag("slow")
class ProcessFaultsIT {
  private static final int STEPS = 90;
  private static final int DIM = 4;
  private static final List<String> MODELS = List.of("a", "b", "c");
  private static final LearnerConfig LEARNER = LearnerConfig.of("oomd", "domain=ball:1");

  @Test
  void aKilledTaskManagerAndARestartedBrokerLeaveExactlyTheFailureFreeOutputs(@TempDir Path dir) throws Exception {
    int port = freePort();
    Path kafkaData = dir.resolve("kafka");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecure(port, kafkaData);
    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("flink"), 0, 1, 2,
        Map.of("restart-strategy.type", "fixed-delay", "restart-strategy.fixed-delay.attempts", "1000",
            "restart-strategy.fixed-delay.delay", "1 s"))) {
      TopicAdmin.createAll(broker.adminConnection());
      // the job runs as a least-privilege user of the secured broker (TLS, SCRAM, ACLs), which keeps it through its restart
      JobSettings settings = new JobSettings(broker.connection("faults-job", "faults-password"), "it-process-faults", false,
          DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500), 2, Map.of("learner", "oomd", "learner.domain", "ball:1"), null);
      broker.createUser("faults-job", "faults-password");
      broker.allow(JobAccess.acls("User:faults-job", LearnerJob.gradients(), settings));
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment("localhost", cluster.rest().address().getPort());
      Jobs.prepare(env, LearnerJob.gradients(), settings);
      JobClient job = env.executeAsync("it-process-faults");

      send(broker, 1, STEPS / 3);
      awaitOutputs(broker, STEPS / 3);
      double appliedBefore = appliedMetric(cluster, job);

      // 1. SIGKILL the TaskManager: the cluster starts another, the job restores from its checkpoint
      long killed = System.nanoTime();
      cluster.taskManager(0).destroyForcibly().waitFor();
      send(broker, STEPS / 3 + 1, 2 * STEPS / 3);
      awaitOutputs(broker, 2 * STEPS / 3);
      assertThat(cluster.restarts()).isEqualTo(1);
      // the REST metrics move again (not frozen on the dead TaskManager's last figures)
      double applied = appliedBefore;
      while ((applied == appliedBefore || Double.isNaN(applied)) && System.nanoTime() - killed < Duration.ofSeconds(90).toNanos()) {
        Thread.sleep(500);
        applied = appliedMetric(cluster, job);
      }
      System.out.printf("REST metrics live again %.1f s after the TaskManager was killed%n", (System.nanoTime() - killed) / 1e9);
      assertThat(applied).as("convexstream.applied through REST after the kill").isNotEqualTo(appliedBefore);

      // 2. stop the broker and start it again on the same data: the job goes on by itself
      broker.close();
      Thread.sleep(2_000);
      broker = EmbeddedKafkaBroker.startSecure(port, kafkaData);
      send(broker, 2 * STEPS / 3 + 1, STEPS);
      List<ParameterUpdate> out = awaitOutputs(broker, STEPS);

      Map<String, List<ParameterUpdate>> byModel = out.stream().collect(Collectors.groupingBy(ParameterUpdate::getModelId));
      for (String m : MODELS) {
        assertThat(byModel.get(m)).extracting(ParameterUpdate::getVersion)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, STEPS).boxed().toList());
        OnlineLearner core = Learners.create(LEARNER, DIM);
        List<ParameterAssembler.Model> versions = ParameterAssembler.everyVersion(byModel.get(m)).get(m);
        for (int t = 1; t <= STEPS; t++) {
          core.update(GradientVector.dense(g(m, t)));
          double[] published = versions.get(t - 1).parameters();
          assertThat(published).as("model %s version %d", m, t).containsExactly(core.decision());
        }
      }
      job.cancel().get();
    } finally {
      broker.close();
    }
  }

  private static void send(EmbeddedKafkaBroker broker, int from, int to) throws Exception {
    try (TopicClient kafka = new TopicClient(broker.adminConnection())) {
      for (int t = from; t <= to; t++) {
        for (String m : MODELS) {
          kafka.send(Topic.GRADIENTS, m, new Gradient(m, (long) t, "w",
              new NumericVector(DIM, null, Arrays.stream(g(m, t)).boxed().toList()), null, null, Instant.ofEpochMilli(t)));
        }
      }
      kafka.flush();
    }
  }

  /** Every output so far, read_committed, once each model has {@code steps} versions. */
  private static List<ParameterUpdate> awaitOutputs(EmbeddedKafkaBroker broker, int steps) throws Exception {
    try (TopicClient kafka = new TopicClient(broker.adminConnection())) {
      return kafka.read(Topic.PARAMETERS, ParameterUpdate.class, MODELS.size() * steps, Duration.ofSeconds(180));
    }
  }

  private static double appliedMetric(StandaloneCluster cluster, JobClient job) {
    try {
      return cluster.rest().operatorMetric(job.getJobID(), "learners", "applied");
    } catch (Exception e) { // the job's vertices are being redeployed
      return Double.NaN;
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static double[] g(String model, int t) {
    double[] g = new double[DIM];
    for (int i = 0; i < DIM; i++) {
      g[i] = Math.sin(t * (i + 1) + model.hashCode());
    }
    return g;
  }
}
