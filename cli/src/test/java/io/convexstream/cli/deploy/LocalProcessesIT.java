package io.convexstream.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-process setup of deploy/local/start-local.sh without tarballs: a JobManager and a
 * TaskManager in their own JVMs ({@link StandaloneCluster}), a job submitted to them over REST
 * (nothing runs in this JVM but the broker), learners keeping their matrices in ND4J on the
 * TaskManager, exactly-once outputs read back.
 */
@Tag("slow")
class LocalProcessesIT {
  private static final int STEPS = 30;
  private static final int DIM = 6;

  @Test
  void aJobOnSeparateJobManagerAndTaskManagerProcessesUsesNd4jThereAndPublishesEveryStep(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        StandaloneCluster cluster = StandaloneCluster.start(dir, 0, 1, 2, Map.of())) {
      TopicAdmin.createAll(broker.bootstrapServers());
      assertThat(cluster.rest().get("/taskmanagers").get("taskmanagers").get(0).get("slotsNumber").asInt()).isEqualTo(2);

      LearnerConfig learner = LearnerConfig.of("oomd-ec", "domain=ball:1", "backend=nd4j");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
          "localhost", cluster.rest().address().getPort());
      JobSettings settings = new JobSettings(broker.bootstrapServers(), "it-processes", false,
          org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(500), 2,
          Map.of("learner", "oomd-ec", "learner.domain", "ball:1", "learner.backend", "nd4j"));
      Jobs.prepare(env, LearnerJob.gradients(), settings);
      JobClient job = env.executeAsync("it-processes");

      List<String> models = List.of("a", "b");
      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        for (int t = 1; t <= STEPS; t++) {
          for (String m : models) {
            kafka.send(Topic.GRADIENTS, m, new Gradient(m, (long) t, "w",
                new NumericVector(DIM, null, Arrays.stream(g(m, t)).boxed().toList()), null, null, Instant.ofEpochMilli(t)));
          }
        }
        kafka.flush();
        List<ParameterUpdate> out = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, models.size() * STEPS, Duration.ofSeconds(120));
        Map<String, List<ParameterUpdate>> byModel = out.stream().collect(Collectors.groupingBy(ParameterUpdate::getModelId));
        for (String m : models) {
          assertThat(byModel.get(m)).extracting(ParameterUpdate::getVersion)
              .containsExactlyElementsOf(LongStream.rangeClosed(1, STEPS).boxed().toList());
          OnlineLearner core = Learners.create(learner.with("backend", "java"), DIM);
          for (int t = 1; t <= STEPS; t++) {
            core.update(GradientVector.dense(g(m, t)));
          }
          double[] last = ParameterAssembler.everyVersion(byModel.get(m)).get(m).get(STEPS - 1).parameters();
          assertThat(last).containsExactly(core.decision(), within(1e-12));
        }
      }
      // both learner subtasks ran ND4J's CPU backend on the TaskManager (gauge nd4jDevice = −1 each)
      double devices = Double.NaN;
      for (int i = 0; i < 40 && !(devices == -2); i++) {
        Thread.sleep(250);
        devices = cluster.rest().operatorMetric(job.getJobID(), "learners", "nd4jDevice");
      }
      assertThat(devices).isEqualTo(-2);
      assertThat(Files.readString(cluster.logDir().resolve("taskmanager-0.log"))).contains("ND4J CPU backend");
      job.cancel().get();

      // another TaskManager joins the running cluster from its configuration directory (cluster --join)
      try (StandaloneCluster joined = StandaloneCluster.join(dir, 1)) {
        assertThat(cluster.rest().get("/taskmanagers").get("taskmanagers").size()).isEqualTo(2);
      }
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
