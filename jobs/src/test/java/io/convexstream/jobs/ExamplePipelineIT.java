package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.Loss;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** Example mode end to end: sparse logistic examples, AdaGrad per model, progressive loss, dead letters. */
class ExamplePipelineIT {
  private static final int STEPS = 30;
  private static final int DIM = 100;

  private static LabelledExample example(String model, long t, double label, double weight) {
    int a = (int) (t * 7 % DIM);
    int b = (int) (t * 13 % DIM);
    List<Integer> idx = a < b ? List.of(a, b) : a > b ? List.of(b, a) : List.of(a);
    List<Double> vals = idx.size() == 2 ? List.of(1.0, -0.5) : List.of(1.0);
    return LabelledExample.newBuilder().setModelId(model).setStep(t).setProducerId("p")
        .setFeatures(new NumericVector(DIM, idx, vals)).setLabel(label).setWeight(weight).setEventTime(Instant.EPOCH).build();
  }

  private static double label(long t) {
    return t % 3 == 0 ? -1 : 1;
  }

  @Test
  void learnsFromExamplesAndReportsProgressiveLoss() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 4)) {
      TopicAdmin.createAll(broker.bootstrapServers());
      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        for (long t = 1; t <= STEPS; t++) {
          for (String m : List.of("clf-a", "clf-b")) {
            kafka.send(Topic.EXAMPLES, m, example(m, t, label(t), 1.0));
          }
        }
        kafka.send(Topic.EXAMPLES, "clf-a", example("clf-a", STEPS + 1, 1, 0.0));
        kafka.send(Topic.EXAMPLES, "clf-a", example("clf-a", STEPS + 1, Double.NaN, 1.0));
        kafka.flush();
      }
      Map<String, String> options = Map.of("learner", "adagrad", "learner.domain", "box:-2:2", "learner.eta", "0.5", "loss", "logistic");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, LearnerJob.examples(), new JobSettings(broker.bootstrapServers(), "it-examples", true,
          DeliveryGuarantee.EXACTLY_ONCE, Duration.ofMillis(300), 2, options));
      flink.awaitFinished(flink.submit(env, "it-examples"), 180_000);

      try (TopicClient kafka = new TopicClient(broker.bootstrapServers())) {
        List<ParameterUpdate> out = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, 2 * STEPS, Duration.ofSeconds(30));
        List<DeadLetter> dead = kafka.read(Topic.DEAD_LETTERS, DeadLetter.class, 2, Duration.ofSeconds(30));
        assertThat(out).hasSize(2 * STEPS);
        assertThat(dead).extracting(DeadLetter::getReason).containsExactlyInAnyOrder(
            "weight 0.0 is not positive and finite", "non-finite label NaN");

        OnlineLearner core = Learners.create(LearnerConfig.of("adagrad", "domain=box:-2:2", "eta=0.5"), DIM);
        double lossSum = 0;
        for (long t = 1; t <= STEPS; t++) {
          LabelledExample e = example("clf-a", t, label(t), 1.0);
          GradientVector a = new GradientVector(DIM, e.getFeatures().getIndices().stream().mapToInt(Integer::intValue).toArray(),
              e.getFeatures().getValues().stream().mapToDouble(Double::doubleValue).toArray());
          lossSum += Loss.LOGISTIC.value(core.decision(), a, label(t), 1.0);
          core.update(Loss.LOGISTIC.gradient(core.decision(), a, label(t), 1.0));
        }
        ParameterUpdate last = out.stream().filter(u -> u.getModelId().equals("clf-a"))
            .max(Comparator.comparingLong(ParameterUpdate::getVersion)).orElseThrow();
        assertThat(last.getVersion()).isEqualTo(STEPS);
        assertThat(ParameterAssembler.everyVersion(out).get("clf-a").get(STEPS - 1).parameters()).isEqualTo(core.decision());
        assertThat(last.getMetrics().get("cumulativeLoss")).isEqualTo(lossSum);
        assertThat(last.getMetrics().get("meanLoss")).isLessThan(Math.log(2)); // it learned something
      }
    }
  }
}
