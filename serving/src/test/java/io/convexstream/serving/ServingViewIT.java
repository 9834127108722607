package io.convexstream.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.kafka.TopicClient;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.publication.ParameterChunks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving view against the embedded broker: latest values and histories of every output,
 * 404/400/405 answers, health and readiness, and a restart with an empty local state directory
 * after the output topics were emptied, so the stores can only come back from their changelogs.
 */
class ServingViewIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesLatestValuesAndHistoriesAndRestoresFromItsChangelog(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      TopicAdmin.createAll(bootstrap);
      try (TopicClient kafka = new TopicClient(bootstrap)) {
        for (long v = 1; v <= 30; v++) {
          kafka.send(Topic.PARAMETERS, "a", parameters("a", v));
        }
        kafka.send(Topic.PARAMETERS, "a", parameters("a", 5)); // a replayed old version: ignored
        kafka.send(Topic.PARAMETERS, "b/x y", parameters("b/x y", 1));
        for (long step = 1; step <= 10; step++) {
          kafka.send(Topic.EXPERT_BIASES, "m/0", new ExpertBiasUpdate("m", 0, step, List.of(0.1f * step, -0.1f * step), 0.5, Map.of(),
              Instant.ofEpochMilli(step), 0L));
        }
        for (long period = 0; period <= 5; period++) {
          for (String s : List.of("ucrp", "olmar1")) {
            kafka.send(Topic.PORTFOLIO_DECISIONS, "p", new PortfolioDecision("p", s, period, List.of("A", "B"), List.of(0.5, 0.5),
                1 + period / 10.0, 1.0, Instant.ofEpochMilli(period), 0L, List.of(), java.util.Map.of()));
          }
        }
        kafka.flush();
      }
      // as the jobs publish: in transactions, whose commit markers also take offsets
      try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(Map.of(
          "bootstrap.servers", bootstrap, "transactional.id", "serving-it-tx"),
          new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
        producer.initTransactions();
        var codec = io.convexstream.schemas.codec.AvroCodec.of(ParameterUpdate.class);
        for (long v = 1; v <= 3; v++) {
          producer.beginTransaction();
          producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topic.PARAMETERS.topicName(), "tx", codec.encode(parameters("tx", v))));
          producer.commitTransaction();
        }
      }

      Path state = Files.createDirectories(dir.resolve("state"));
      try (ServingView view = ServingView.start(bootstrap, "serving-it", state, 10); ServingHttp server = ServingHttp.start(view, 0)) {
        URI base = server.address();
        assertThat(get(base, "/health").statusCode()).isEqualTo(200);
        // ready means caught up with what the outputs held at start: every answer below is final at once
        awaitReady(base);

        // fresh: every output topic got a record within the last 10 minutes (just now); stale after 1 ms
        JsonNode fresh = json(get(base, "/fresh"));
        assertThat(fresh.get("status").asText()).isEqualTo("FRESH");
        assertThat(fresh.get("newest").size()).isEqualTo(3);
        Thread.sleep(50);
        try (ServingHttp strict = ServingHttp.start(view, new ServingHttp.Options("127.0.0.1", 0, java.time.Duration.ofMillis(1),
            java.util.Set.of(), null))) {
          HttpResponse<String> stale = get(strict.address(), "/fresh");
          assertThat(stale.statusCode()).isEqualTo(503);
          assertThat(stale.body()).contains("stale: no output within PT0.001S on convexstream.expert-biases (newest record ");
        }

        assertThat(json(get(base, "/models/tx")).get("version").asLong()).isEqualTo(3);
        JsonNode a = json(get(base, "/models/a"));
        assertThat(a.get("version").asLong()).isEqualTo(30);
        assertThat(a.get("parameters").get(0).asDouble()).isEqualTo(30.0);
        assertThat(a.get("parameters").get(1).asDouble()).isEqualTo(-1.0);
        assertThat(a.get("metrics").get("loss").asDouble()).isEqualTo(0.5);
        assertThat(json(get(base, "/models/a/history?n=3")).findValues("version")).extracting(JsonNode::asLong).containsExactly(28L, 29L, 30L);
        assertThat(json(get(base, "/models/a/history")).size()).isEqualTo(10);
        assertThat(json(get(base, "/models/b%2Fx%20y")).get("modelId").asText()).isEqualTo("b/x y");
        assertThat(json(get(base, "/moe/m/layers/0")).get("step").asLong()).isEqualTo(10);
        assertThat(json(get(base, "/moe/m/layers/0/history?n=2")).findValues("step")).extracting(JsonNode::asLong).containsExactly(9L, 10L);
        JsonNode p = json(get(base, "/portfolios/p"));
        assertThat(p.get("ucrp").get("period").asLong()).isEqualTo(5);
        assertThat(p.get("olmar1").get("wealth").asDouble()).isEqualTo(1.5);
        assertThat(json(get(base, "/portfolios/p/strategies/ucrp/history?n=2")).findValues("period")).extracting(JsonNode::asLong)
            .containsExactly(4L, 5L);

        Map<String, Integer> refused = new HashMap<>();
        for (String path : List.of("/models/zzz", "/moe/m/layers/7", "/portfolios/q", "/portfolios/p/strategies/bah/history", "/nothing",
            "/moe/m/layers/x", "/moe/m/layers/-1", "/models/a/history?n=0", "/models/a/history?n=11", "/models/a/history?n=z",
            "/models/a/history?k=1")) {
          HttpResponse<String> r = get(base, path);
          refused.put(path, r.statusCode());
          assertThat(json(r).get("error").asText()).as(path).isNotBlank();
        }
        assertThat(refused).containsEntry("/models/zzz", 404).containsEntry("/moe/m/layers/7", 404).containsEntry("/portfolios/q", 404)
            .containsEntry("/portfolios/p/strategies/bah/history", 404).containsEntry("/nothing", 404)
            .containsEntry("/moe/m/layers/x", 400).containsEntry("/moe/m/layers/-1", 400).containsEntry("/models/a/history?n=0", 400)
            .containsEntry("/models/a/history?n=11", 400).containsEntry("/models/a/history?n=z", 400)
            .containsEntry("/models/a/history?k=1", 400);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(base.resolve("/models/a")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        // predictions with the latest parameters (30, -1): dense, sparse and named features
        assertThat(json(predict(base, "a", "{\"values\": [1, 2]}")).get("score").asDouble()).isEqualTo(28.0);
        JsonNode sparse = json(predict(base, "a", "{\"indices\": [1], \"values\": [3]}"));
        assertThat(sparse.get("score").asDouble()).isEqualTo(-3.0);
        assertThat(sparse.get("version").asLong()).isEqualTo(30);
        assertThat(sparse.get("probability").asDouble()).isEqualTo(1 / (1 + Math.exp(3)));
        int x = io.convexstream.schemas.features.FeatureHashing.index("x", 2);
        assertThat(json(predict(base, "a", "{\"features\": {\"x\": 2.0}}")).get("score").asDouble()).isEqualTo(x == 0 ? 60.0 : -2.0);
        Map<String, Integer> refusedPredictions = new HashMap<>();
        for (String body : List.of("{\"values\": [1]}", "{\"indices\": [2], \"values\": [1]}", "{\"values\": [\"a\"]}", "not json",
            "{\"weights\": 1}", "{}")) {
          HttpResponse<String> r = predict(base, "a", body);
          refusedPredictions.put(body, r.statusCode());
          assertThat(json(r).get("error").asText()).as(body).isNotBlank();
        }
        assertThat(refusedPredictions.values()).containsOnly(400);
        assertThat(predict(base, "zzz", "{\"values\": [1]}").statusCode()).isEqualTo(404);

        // HTTPS with bearer tokens: probes need none, data needs one of the tokens
        Path keystore = dir.resolve("serving.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
            "-alias", "serving", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
            "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
            .redirectErrorStream(true).start();
        assertThat(keytool.waitFor()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        javax.net.ssl.SSLContext serverTls = ServingHttp.tls(keystore, "changeit".toCharArray());
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
          trust.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(clientTls).build();
        try (ServingHttp secured = ServingHttp.start(view, new ServingHttp.Options("127.0.0.1", 0, ServingHttp.DEFAULT_STALE_AFTER,
            java.util.Set.of("t0k3n-a", "t0k3n-b"), serverTls))) {
          URI s = secured.address();
          assertThat(s.getScheme()).isEqualTo("https");
          java.util.function.BiFunction<String, String, HttpResponse<String>> call = (path, token) -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(s.resolve(path));
            if (token != null) {
              b.header("Authorization", "Bearer " + token);
            }
            try {
              return https.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };
          assertThat(call.apply("/health", null).statusCode()).isEqualTo(200);
          assertThat(call.apply("/ready", null).statusCode()).isEqualTo(200);
          HttpResponse<String> anonymous = call.apply("/models/a", null);
          assertThat(anonymous.statusCode()).isEqualTo(401);
          assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer");
          assertThat(call.apply("/models/a", "wrong").statusCode()).isEqualTo(403);
          assertThat(call.apply("/fresh", "wrong").statusCode()).isEqualTo(403);
          HttpResponse<String> allowed = call.apply("/models/a", "t0k3n-b");
          assertThat(allowed.statusCode()).isEqualTo(200);
          assertThat(json(allowed).get("version").asLong()).isEqualTo(30);
          HttpResponse<String> lowerCase = https.send(HttpRequest.newBuilder(s.resolve("/models/a")).header("Authorization", "bearer t0k3n-a")
              .build(), HttpResponse.BodyHandlers.ofString());
          assertThat(lowerCase.statusCode()).as("the scheme is case-insensitive").isEqualTo(200);
          assertThatThrownBy(() -> get(URI.create("http://localhost:" + s.getPort()), "/health")).as("no plain HTTP on the TLS port")
              .isInstanceOf(Exception.class);
        }
      }

      // empty the output topics and the local state: only the changelog topics can bring the stores back
      emptyTopics(bootstrap, List.of(Topic.PARAMETERS, Topic.EXPERT_BIASES, Topic.PORTFOLIO_DECISIONS));
      Path emptyState = Files.createDirectories(dir.resolve("empty-state"));
      try (ServingView view = ServingView.start(bootstrap, "serving-it", emptyState, 10); ServingHttp server = ServingHttp.start(view, 0)) {
        URI base = server.address();
        awaitReady(base);
        assertThat(json(get(base, "/models/a/history?n=3")).findValues("version")).extracting(JsonNode::asLong).containsExactly(28L, 29L, 30L);
        assertThat(json(get(base, "/moe/m/layers/0")).get("step").asLong()).isEqualTo(10);
        assertThat(json(get(base, "/portfolios/p")).get("ucrp").get("period").asLong()).isEqualTo(5);
        try (TopicClient kafka = new TopicClient(bootstrap)) {
          kafka.send(Topic.PARAMETERS, "a", parameters("a", 31));
          kafka.flush();
        }
        awaitVersion(base, "/models/a", "version", 31);
      }
    }
  }

  /** A one-chunk snapshot (version, −1), as the learner job writes it. */
  private static ParameterUpdate parameters(String model, long version) {
    return ParameterChunks.snapshot(new ParameterChunks.Header(model, 0, version, version, version, Map.of("loss", 0.5)),
        new double[] {version, -1.0}, 1 << 20).get(0);
  }

  private HttpResponse<String> predict(URI base, String model, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/models/" + model + "/predict")).POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitReady(URI base) throws Exception {
    await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(100)).untilAsserted(() -> {
      HttpResponse<String> ready = get(base, "/ready");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    });
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** Waits until GET path answers 200 (and, with a field, that field reaches {@code value}). */
  private void awaitVersion(URI base, String path, String field, long value) {
    await(path + " reaching " + field + " = " + value).atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(100)).until(() -> {
          HttpResponse<String> r = get(base, path);
          return r.statusCode() == 200 && (field == null || json(r).get(field).asLong() >= value);
        });
  }

  private static void emptyTopics(String bootstrap, List<Topic> topics) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
      for (Topic t : topics) {
        TopicClient.endOffsets(bootstrap, t).forEach((tp, end) -> delete.put(tp, RecordsToDelete.beforeOffset(end)));
      }
      admin.deleteRecords(delete).all().get();
    }
  }
}
