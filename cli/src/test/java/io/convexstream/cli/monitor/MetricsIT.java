package io.convexstream.cli.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.convexstream.flink.OperatorMetrics;
import io.convexstream.jobs.JobSettings;
import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The operators' metrics as users see them: through the Flink REST API (what the web UI shows) and
 * scraped from the Prometheus reporter, agreeing with what the job published to Kafka.
 */
class MetricsIT {
  @Test
  void restAndPrometheusShowWhatTheJobComputed() throws Exception {
    int promPort;
    try (ServerSocket s = new ServerSocket(0)) {
      promPort = s.getLocalPort();
    }
    int steps = 40;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 2, promPort)) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      Jobs.prepare(env, LearnerJob.gradients(), new JobSettings(bootstrap, "metrics", false, DeliveryGuarantee.EXACTLY_ONCE,
          Duration.ofMillis(300), 1, Map.of("learner", "oomd", "learner.domain", "ball:1", "emitEvery", "1")));
      JobID id = flink.submit(env, "metrics");
      flink.awaitRunning(id, 60_000);

      SplittableRandom r = new SplittableRandom(5);
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (int step = 1; step <= steps; step++) {
          for (String model : List.of("a", "b")) {
            List<Double> g = IntStream.range(0, 4).mapToObj(i -> r.nextGaussian()).toList();
            kafka.send(Topic.GRADIENTS, model, new Gradient(model, (long) step, "w", new NumericVector(4, null, g), 0.1 * step, null,
                Instant.ofEpochMilli(step)));
          }
        }
        kafka.sendRaw(Topic.GRADIENTS, "a", new byte[] {1, 2, 3});
        kafka.send(Topic.GRADIENTS, "a", new Gradient("a", 3L, "w", new NumericVector(4, null, List.of(1.0, 1.0, 1.0, 1.0)), 0.0, null,
            Instant.EPOCH)); // late
        kafka.flush();
        List<ParameterUpdate> out = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals("a"), steps,
            Duration.ofSeconds(60));
        ParameterUpdate last = out.get(steps - 1);
        assertThat(last.getVersion()).isEqualTo(steps);

        // REST, as the web UI reads it (refreshed every half second)
        await("both dead letters in the REST metrics").atMost(java.time.Duration.ofSeconds(30))
            .pollInterval(java.time.Duration.ofMillis(200)).until(() -> flink.operatorMetric(id, "", OperatorMetrics.DEAD_LETTERED) >= 2);
        assertThat(flink.operatorMetric(id, "learners-", OperatorMetrics.APPLIED)).isEqualTo(2.0 * steps);
        assertThat(flink.operatorMetric(id, "decode-", OperatorMetrics.APPLIED)).isEqualTo(2.0 * steps + 1);
        assertThat(flink.operatorMetric(id, "decode-", OperatorMetrics.DEAD_LETTERED)).isEqualTo(1.0);
        assertThat(flink.operatorMetric(id, "learners-", OperatorMetrics.DEAD_LETTERED)).isEqualTo(1.0);
        assertThat(flink.operatorMetric(id, "learners-", OperatorMetrics.LATE)).isEqualTo(1.0);
        assertThat(flink.operatorMetric(id, "learners-", "model.a.updates")).isEqualTo((double) steps);
        assertThat(flink.operatorMetric(id, "learners-", "model.a.loss")).isEqualTo(last.getMetrics().get("loss"));
        assertThat(flink.operatorMetric(id, "learners-", "model.a.parameterNorm")).isEqualTo(last.getMetrics().get("parameterNorm"));
        assertThat(flink.operatorMetric(id, "learners-", "model.a.rejected")).isEqualTo(1.0);
        // how long ago model a, and the operator, last published: a stalled job shows here (deploy/prometheus/alerts.yml)
        assertThat(flink.operatorMetric(id, "learners-", "model.a.msSinceOutput")).isBetween(0.0, 60_000.0);
        assertThat(flink.operatorMetric(id, "learners-", OperatorMetrics.MS_SINCE_OUTPUT)).isBetween(0.0, 60_000.0);
        // the aggregate over all models: the largest loss either model reported (0.1 * steps)
        assertThat(flink.operatorMetric(id, "learners-", "all.loss.max")).isCloseTo(0.1 * steps, org.assertj.core.data.Offset.offset(1e-9));

        // Prometheus: the same figures, with the model as a label
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + promPort + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
        assertThat(value(scrape, "flink_taskmanager_job_task_operator_convexstream_applied", "operator_name=\"learners_oomd\""))
            .isEqualTo(2.0 * steps);
        assertThat(value(scrape, "flink_taskmanager_job_task_operator_convexstream_model_updates", "model=\"a\"")).isEqualTo((double) steps);
        assertThat(value(scrape, "flink_taskmanager_job_task_operator_convexstream_model_loss", "model=\"a\""))
            .isEqualTo(last.getMetrics().get("loss"));
        assertThat(scrape).contains("flink_taskmanager_job_task_operator_convexstream_updateMicros{");
      }
      flink.cancel(id);
    }
  }

  /** The value of the one sample of {@code metric} whose labels contain {@code label}. */
  private static double value(String scrape, String metric, String label) {
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
    Double found = null;
    while (m.find()) {
      if (m.group(1).contains(label)) {
        assertThat(found).as("one sample of %s with %s", metric, label).isNull();
        found = Double.parseDouble(m.group(2));
      }
    }
    assertThat(found).as("%s{%s} in the scrape; its convexstream samples: %s", metric, label,
        scrape.lines().filter(l -> l.contains("convexstream") && !l.startsWith("#")).limit(8).toList()).isNotNull();
    return found;
  }
}
