package io.convexstream.kafka.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.convexstream.schemas.features.FeatureHashing;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.ChallengerScore;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.codec.SchemaCatalog;
import io.convexstream.schemas.publication.ParameterChunks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The Java side is the single source of truth for clients in other languages: the checked-in
 * schemas of the Python client ({@code clients/python/convexstream/schemas/}) and its golden vectors
 * ({@code clients/python/tests/golden.json}: every schema's canonical form and fingerprint as on the
 * wire, the topic catalogue, and sample records of every type in Avro's JSON encoding with their
 * exact bytes) must equal what this code produces. The Python tests check the Python side against
 * the same file. After a schema change run with {@code -Dgolden.update=true} to rewrite them.
 */
class GoldenVectorsTest {
  static final Path CLIENT = Path.of("../clients/python");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Instant T = Instant.ofEpochMilli(1_767_225_600_000L); // 2026-01-01T00:00:00Z

  /** One sample of every record type; input types as a producer would send them. */
  static List<SpecificRecord> samples() {
    List<SpecificRecord> s = new ArrayList<>();
    s.add(new Gradient("m1", 1L, "w0", new NumericVector(3, null, List.of(0.5, -1.0, 0.25)), 0.75, null, T));
    s.add(new Gradient("m1", 2L, "w0", new NumericVector(1000, List.of(7, 512), List.of(1.5, -2.0)), null, 0.125, T));
    s.add(new LabelledExample("m2", 1L, "w0", new NumericVector(2, null, List.of(1.0, 0.5)), 1.0, 1.0, null, T));
    s.add(new LearningEvent("ctr", "ev-1", null, new java.util.TreeMap<>(Map.of("country=FR", 1.0, "hour", 0.5)), T));
    s.add(new LearningEvent("ctr", "ev-2", new NumericVector(1 << 20, List.of(12, 4096), List.of(1.0, -0.5)), null, T));
    s.add(new Feedback("ctr", "ev-1", 1.0, 1.0, T.plusSeconds(30)));
    s.add(new Prediction("ctr", "ev-1", 1767225600000L, "ftrl", 7L, -1.25, 0.22270013882530884,
        List.of(new ChallengerScore("ogd", 7L, -0.5)), T));
    s.add(new ChampionDecision("ctr", 1767225600000L, T, T.plusSeconds(3600), "ogd", "ftrl", true,
        "ogd beats the champion by more than champion.margin 0.01: mean loss ftrl 0.5, ogd 0.25", List.of("ftrl", "ogd"),
        List.of(0.5, 0.25), 1200L));
    s.add(new RouterLoadReport("moe", 3, 41L, 0, 2, List.of(120L, 80L, 0L, 56L), 40L, T));
    s.add(new RouterScoreBatch("moe", 3, 41L, 1, 2, 2, 3, List.of(0.5f, -0.25f, 1.0f, 0.0f, 2.0f, -1.5f), T));
    s.add(new MarketTick("AAPL", T, 187.25, 100.0));
    s.add(new MarketBar("AAPL", T, T.plusSeconds(60), 187.0, 188.5, 186.75, 188.0, 12500.0));
    s.addAll(ParameterChunks.snapshot(new ParameterChunks.Header("m1", 1767225600000L, 1L, 1L, T.toEpochMilli(), Map.of("loss", 0.5)),
        new double[] {0.5, -1.0, 0.25}, 1 << 20));
    s.addAll(ParameterChunks.delta(new ParameterChunks.Header("m1", 1767225600000L, 2L, 2L, T.toEpochMilli(), Map.of()), 1L, 3,
        new int[] {1}, new double[] {-0.5}, 1 << 20));
    s.add(ExpertBiasUpdate.newBuilder().setModelId("moe").setLayer(3).setStep(41L).setBiases(List.of(-0.5f, 0.25f, 1.0f, 0.0f))
        .setMaxViolation(0.5).setMetrics(Map.of("minLoad", 0.0)).setEventTime(T).setRunEpoch(1767225600000L).build());
    s.add(new PlacementPlan("moe", 3, 100L, 50, 2, List.of(0, 2, 1, 3), List.of(1, 1, 1, 1), List.of(1.5, 0.5), List.of(1.0, 1.0), T,
        List.of(1.25, 0.75), 2));
    s.add(new PortfolioDecision("p1", "olmar1", 12L, List.of("AAPL", "MSFT"), List.of(0.75, 0.25), 1.125, 0.5, T, 1767225600000L, List.of("MSFT"),
        new java.util.TreeMap<>(Map.of("costsPaid", 0.0125, "maxDrawdown", 0.25))));
    s.add(new DeadLetter("convexstream.gradients", 2, 42L, ByteBuffer.wrap("m1".getBytes(StandardCharsets.UTF_8)),
        ByteBuffer.wrap(new byte[] {0x00, (byte) 0xC3, 0x7F}), "decode", "not an Avro single-object message", "gradients", T));
    return s;
  }

  @Test
  void pythonClientSchemasAndGoldenVectorsMatchTheJavaSide() throws Exception {
    boolean update = Boolean.getBoolean("golden.update");
    List<String> stale = new ArrayList<>();
    for (Class<? extends SpecificRecord> type : SchemaCatalog.RECORD_TYPES) {
      Schema schema = SchemaCatalog.schemaOf(type);
      check(CLIENT.resolve("convexstream/schemas/" + schema.getFullName() + ".avsc"), schema.toString(true) + "\n", update, stale);
    }
    check(CLIENT.resolve("tests/golden.json"), JSON.writeValueAsString(golden()) + "\n", update, stale);
    assertThat(stale).as("files that differ from the Java side; rewrite them with mvn test -pl kafka "
        + "-Dtest=GoldenVectorsTest -Dgolden.update=true and review the diff").isEmpty();
  }

  @Test
  void everyRecordTypeHasASampleAndSamplesDecodeBackFromTheirBytes() {
    assertThat(samples().stream().map(Object::getClass).distinct().toList()).containsExactlyInAnyOrderElementsOf(SchemaCatalog.RECORD_TYPES);
    for (SpecificRecord r : samples()) {
      @SuppressWarnings("unchecked")
      AvroCodec<SpecificRecord> codec = (AvroCodec<SpecificRecord>) AvroCodec.of(r.getClass());
      assertThat(codec.decode(codec.encode(r))).isEqualTo(r);
      assertThat(codec.decode(codec.encodeJson(r).getBytes(StandardCharsets.UTF_8))).isEqualTo(r);
    }
  }

  static ObjectNode golden() throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("comment", "Generated by GoldenVectorsTest (connectors): the Java side's schemas, topics and encodings.");
    ArrayNode schemas = root.putArray("schemas");
    for (Class<? extends SpecificRecord> type : SchemaCatalog.RECORD_TYPES) {
      Schema schema = SchemaCatalog.schemaOf(type);
      ObjectNode o = schemas.addObject();
      o.put("name", schema.getFullName());
      o.put("fingerprint", String.format("%016x", Long.reverseBytes(SchemaNormalization.parsingFingerprint64(schema))));
      o.put("canonical", SchemaNormalization.toParsingForm(schema));
    }
    ArrayNode topics = root.putArray("topics");
    for (Topic t : Topic.values()) {
      ObjectNode o = topics.addObject();
      o.put("name", t.topicName());
      o.put("type", SchemaCatalog.schemaOf(t.recordType()).getFullName());
      o.put("key", t.key());
      o.put("kind", t.kind().name().toLowerCase());
    }
    ArrayNode hashes = root.putArray("featureHashes"); // named features' coordinates (FeatureHashing)
    for (String name : List.of("", "a", "user=42", "ad_id=7f3c", "country=CH", "é∑ unicode", "the quick brown fox")) {
      for (int dim : new int[] {1, 1000, 1 << 20, Integer.MAX_VALUE}) {
        hashes.addObject().put("name", name).put("dim", dim).put("index", FeatureHashing.index(name, dim));
      }
    }
    ArrayNode samples = root.putArray("samples");
    for (SpecificRecord r : samples()) {
      @SuppressWarnings("unchecked")
      AvroCodec<SpecificRecord> codec = (AvroCodec<SpecificRecord>) AvroCodec.of(r.getClass());
      ObjectNode o = samples.addObject();
      o.put("type", r.getSchema().getFullName());
      o.set("json", JSON.readTree(codec.encodeJson(r)));
      StringBuilder hex = new StringBuilder();
      for (byte b : codec.encode(r)) {
        hex.append(String.format("%02x", b & 0xFF));
      }
      o.put("hex", hex.toString());
    }
    return root;
  }

  private static void check(Path file, String expected, boolean update, List<String> stale) throws Exception {
    String actual = Files.exists(file) ? Files.readString(file) : null;
    if (expected.equals(actual)) {
      return;
    }
    if (update) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, expected);
    } else {
      stale.add(file.toString());
    }
  }
}
