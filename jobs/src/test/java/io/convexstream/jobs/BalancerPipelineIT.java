package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import io.convexstream.core.synthetic.TokenRouteGenerator;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The balancer jobs end to end: biases per step equal the core's, bad input dead-lettered, plans published. */
class BalancerPipelineIT {
  private static final int E = 16;
  private static final int K = 2;
  private static EmbeddedKafkaBroker broker;
  private static LocalFlinkCluster flink;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    TopicAdmin.createAll(broker.bootstrapServers());
    flink = LocalFlinkCluster.start(0, 4);
  }

  @AfterAll
  static void stop() throws Exception {
    flink.close();
    broker.close();
  }

  private static void run(StreamJob job, String group, Map<String, String> options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, job, new JobSettings(broker.bootstrapServers(), group, true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), 2, options));
    flink.awaitFinished(flink.submit(env, group), 180_000);
  }

  @Test
  void scoreBatchesAreRoutedAndBalancedLikeTheCore() throws Exception {
    int steps = 12;
    int ranks = 2;
    int tokens = 64;
    TokenRouteGenerator gen = new TokenRouteGenerator(E, 0.5, 0, 0, 5);
    List<float[][]> logits = new ArrayList<>();
    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      for (int s = 1; s <= steps; s++) {
        gen.nextStep();
        float[][] perRank = new float[ranks][];
        for (int r = 0; r < ranks; r++) {
          perRank[r] = gen.logits(tokens);
          List<Float> scores = new ArrayList<>();
          for (float f : perRank[r]) {
            scores.add(f);
          }
          kafka.send(Topic.ROUTER_SCORES, "m/1", new RouterScoreBatch("m", 1, (long) s, r, ranks, tokens, E, scores, Instant.ofEpochMilli(s)));
        }
        logits.add(perRank);
      }
      kafka.flush();
    }
    run(BalancerJob.scoreBatches(), "it-scores", Map.of("rate", "1e-2", "topK", String.valueOf(K),
        "placement.slots", "20", "placement.gpus", "4", "placement.every", "4", "placement.window", "4"));
    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      List<ExpertBiasUpdate> out = new ArrayList<>(kafka.read(Topic.EXPERT_BIASES, ExpertBiasUpdate.class,
          u -> u.getModelId().equals("m"), steps, Duration.ofSeconds(30)));
      out.sort(Comparator.comparingLong(ExpertBiasUpdate::getStep));
      assertThat(out).hasSize(steps);
      Router router = new Router(E, K);
      LoadBalancer core = new LoadBalancer(E, LoadBalancer.Variant.SIGN, false, 1e-2f, 0);
      for (int s = 0; s < steps; s++) {
        long[] loads = new long[E];
        for (float[] l : logits.get(s)) {
          router.countLoads(l, tokens, core.biases(), loads);
        }
        core.update(loads);
        List<Float> expected = new ArrayList<>();
        for (float b : core.biases()) {
          expected.add(b);
        }
        assertThat(out.get(s).getBiases()).as("step %d", s + 1).isEqualTo(expected);
      }
      List<PlacementPlan> plans = kafka.read(Topic.PLACEMENT_PLANS, PlacementPlan.class, p -> p.getModelId().equals("m"), 3, Duration.ofSeconds(30));
      assertThat(plans).extracting(PlacementPlan::getStep).containsExactlyInAnyOrder(4L, 8L, 12L);
    }
  }

  @Test
  void loadReportsWithBadInputAreDeadLettered() throws Exception {
    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      for (int s = 1; s <= 5; s++) {
        for (int r = 0; r < 2; r++) {
          kafka.send(Topic.ROUTER_LOADS, "lr/0", new RouterLoadReport("lr", 0, (long) s, r, 2, List.of(10L * (r + 1), 5L, 0L, 1L), -1L, Instant.EPOCH));
        }
      }
      kafka.send(Topic.ROUTER_LOADS, "lr/0", new RouterLoadReport("lr", 0, 6L, 0, 2, List.of(-1L, 5L, 0L, 1L), -1L, Instant.EPOCH));
      kafka.send(Topic.ROUTER_LOADS, "lr/0", new RouterLoadReport("lr", 0, 2L, 0, 2, List.of(1L, 5L, 0L, 1L), -1L, Instant.EPOCH));
      kafka.flush();
    }
    run(BalancerJob.loadReports(), "it-loads", Map.of());
    try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
      List<ExpertBiasUpdate> out = kafka.read(Topic.EXPERT_BIASES, ExpertBiasUpdate.class, u -> u.getModelId().equals("lr"), 5, Duration.ofSeconds(30));
      assertThat(out).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L, 3L, 4L, 5L);
      List<DeadLetter> dead = kafka.read(Topic.DEAD_LETTERS, DeadLetter.class, d -> d.getJob().equals("router-loads"), 2, Duration.ofSeconds(30));
      assertThat(dead).extracting(DeadLetter::getReason).containsExactlyInAnyOrder(
          "negative token count -1 for expert 0",
          "late report of rank 0 for step 2 of lr/0: steps up to 5 are closed");
    }
  }
}
