package io.convexstream.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.LocalStack;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Models too large for one message, end to end (their own stack: the jobs read their input topic from the start). */
@Tag("slow")
class LargeModelIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(2);

  /**
   * A dense model of d = 10⁶ end to end: 8 MB of parameters per version go out as 1 MiB chunks in
   * exactly-once transactions; a consumer and the serving view both rebuild exactly the learner's
   * values.
   */
  @Test
  void aDenseModelOfAMillionCoordinatesRoundTripsToAConsumerAndTheServingView(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    int d = 1_000_000;
    String bootstrap = STACK.bootstrap();
    var core = io.convexstream.core.learn.Learners.create(io.convexstream.core.learn.LearnerConfig.of("oomd"), d);
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (int t = 1; t <= 2; t++) {
        double[] g = new double[d];
        for (int i = 0; i < d; i++) {
          g[i] = Math.sin((double) i * t) / 1000;
        }
        kafka.send(Topic.GRADIENTS, "dense-1m", new Gradient("dense-1m", (long) t, "w",
            new NumericVector(d, null, java.util.Arrays.stream(g).boxed().toList()), null, null, Instant.EPOCH));
        core.update(io.convexstream.core.linalg.GradientVector.dense(g));
      }
      kafka.flush();
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, LearnerJob.gradients(), new JobSettings(bootstrap, "it-dense-1m", true, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(300), 1, Map.of()));
    JobID id = STACK.flink().submit(env, "it-dense-1m");
    STACK.flink().awaitFinished(id, 180_000);
    assertThat(STACK.flink().restarts(id)).isZero();

    List<ParameterUpdate> records;
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      records = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("dense-1m"), 16, Duration.ofSeconds(60));
    }
    assertThat(records).hasSize(16).allSatisfy(u -> {
      assertThat(u.getChunks()).isEqualTo(8); // 8 MB in chunks of at most 1 MiB
      assertThat(u.getValues().getValues().remaining()).isLessThanOrEqualTo(1 << 20);
    });
    ParameterAssembler.Model last = ParameterAssembler.everyVersion(records).get("dense-1m").get(1);
    assertThat(last.version()).isEqualTo(2);
    assertThat(last.parameters()).isEqualTo(core.decision());

    try (ServingView view = ServingView.start(bootstrap, "it-dense-1m-view",
        dir, 5)) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(view.ready()).as(view.lagging()).isTrue());
      var served = view.model("dense-1m");
      assertThat(served.version().version()).isEqualTo(2);
      assertThat(served.parameters()).isEqualTo(core.decision());
    }
  }
}
