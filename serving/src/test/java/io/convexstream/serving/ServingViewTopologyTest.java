package io.convexstream.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.kafka.Topic;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.publication.ParameterChunks;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serving view's ordering rules, on Kafka Streams' test driver: (run epoch, version) decides. */
class ServingViewTopologyTest {
  private static final AvroCodec<ParameterUpdate> PARAMS = AvroCodec.of(ParameterUpdate.class);
  private static final AvroCodec<PortfolioDecision> DECISIONS = AvroCodec.of(PortfolioDecision.class);
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> parameters;
  private TestInputTopic<String, byte[]> decisions;

  @BeforeEach
  void start() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "serving-topology-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(ServingView.topology(3, 2_000), p);
    parameters = driver.createInputTopic(Topic.PARAMETERS.topicName(), new StringSerializer(), new ByteArraySerializer());
    decisions = driver.createInputTopic(Topic.PORTFOLIO_DECISIONS.topicName(), new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void publish(String model, long epoch, long version) {
    publish(model, epoch, version, 1);
  }

  /** A one-chunk snapshot whose every entry is the version. */
  private void publish(String model, long epoch, long version, int dim) {
    double[] x = new double[dim];
    java.util.Arrays.fill(x, version);
    send(ParameterChunks.snapshot(new ParameterChunks.Header(model, epoch, version, version, 0, Map.of()), x, 1 << 20));
  }

  private void send(List<ParameterUpdate> records) {
    records.forEach(r -> parameters.pipeInput(r.getModelId(), PARAMS.encode(r)));
  }

  /** (epoch, version) of the stored history of one model, oldest first. */
  private List<String> history(String model) {
    KeyValueStore<String, ParameterStore.ModelEntry> store = driver.getKeyValueStore(ParameterStore.MODELS);
    ParameterStore.ModelEntry e = store.get(model);
    return e == null ? List.of() : e.history.stream().map(v -> v.runEpoch() + "/" + v.version()).toList();
  }

  private ParameterStore.Served served(String model) {
    return ParameterStore.read(driver.getKeyValueStore(ParameterStore.MODELS), driver.getKeyValueStore(ParameterStore.BLOCKS), model);
  }

  /** A delta of {@code x}'s entries at {@code changed}. */
  private static List<ParameterUpdate> delta(ParameterChunks.Header h, long base, double[] x, int[] changed, int chunkBytes) {
    double[] values = new double[changed.length];
    for (int k = 0; k < changed.length; k++) {
      values[k] = x[changed[k]];
    }
    return ParameterChunks.delta(h, base, x.length, changed, values, chunkBytes);
  }

  @Test
  void versionsArriveInOrderAndTheHistoryKeepsTheLastN() {
    for (long v = 1; v <= 5; v++) {
      publish("m", 7, v);
    }
    assertThat(history("m")).containsExactly("7/3", "7/4", "7/5");
    assertThat(served("m").parameters()).containsExactly(5.0);
  }

  @Test
  void duplicatesAndOlderVersionsAreIgnored() {
    publish("m", 7, 1);
    publish("m", 7, 2);
    publish("m", 7, 2); // at-least-once delivery, or a replay
    publish("m", 7, 1); // late
    publish("m", 7, 3);
    assertThat(history("m")).containsExactly("7/1", "7/2", "7/3");
  }

  /** A job started without its state (versions from 1 again) replaces the old run; the old run's stragglers do not come back. */
  @Test
  void aNewRunEpochReplacesTheOldRunsHistory() {
    publish("m", 7, 41);
    publish("m", 7, 42);
    publish("m", 120, 1);
    assertThat(history("m")).containsExactly("120/1");
    publish("m", 7, 43); // the old run, still draining
    publish("m", 120, 2);
    assertThat(history("m")).containsExactly("120/1", "120/2");
    assertThat(served("m").parameters()).containsExactly(2.0);
    publish("other", 0, 9); // outputs written before run epochs existed (epoch 0)
    assertThat(history("other")).containsExactly("0/9");
  }

  /** Snapshots in chunks, deltas in chunks, sparse snapshots that zero what they do not list: the view answers the writer's vector. */
  @Test
  void largeModelsAreRebuiltFromChunkedSnapshotsAndDeltas() {
    int d = 3 * ParameterStore.BLOCK + 17;
    java.util.Random r = new java.util.Random(4);
    double[] x = r.doubles(d).toArray();
    int chunk = 8 * 1000; // 1000 dense entries per chunk: chunks cross block boundaries
    send(ParameterChunks.snapshot(new ParameterChunks.Header("big", 1, 1, 1, 0, Map.of()), x, chunk));
    assertThat(served("big").parameters()).isEqualTo(x);
    long base = 1;
    for (long v = 2; v <= 20; v++) {
      int[] changed = r.ints(300, 0, d).sorted().distinct().toArray();
      for (int i : changed) {
        x[i] = r.nextGaussian();
      }
      send(delta(new ParameterChunks.Header("big", 1, v, v, 0, Map.of("loss", (double) v)), base, x, changed, 12 * 100));
      base = v;
      assertThat(served("big").parameters()).isEqualTo(x);
    }
    assertThat(served("big").version().metrics()).containsEntry("loss", 20.0);
    // a mostly-zero snapshot lists only its non-zeros: every other coordinate must read as zero
    double[] sparse = new double[d];
    sparse[5] = 1;
    sparse[d - 1] = -1;
    send(ParameterChunks.snapshot(new ParameterChunks.Header("big", 1, 21, 21, 0, Map.of()), sparse, chunk));
    assertThat(served("big").parameters()).isEqualTo(sparse);
    // a delta whose base the view does not hold (version 22 went missing) waits for the next snapshot
    send(delta(new ParameterChunks.Header("big", 1, 23, 23, 0, Map.of()), 22, x, new int[] {5}, 1024));
    assertThat(served("big").version().version()).isEqualTo(21);
    send(ParameterChunks.snapshot(new ParameterChunks.Header("big", 1, 24, 24, 0, Map.of()), x, chunk));
    assertThat(served("big").parameters()).isEqualTo(x);
  }

  /** A publication that never completes (its last chunk lost) leaves no half-applied answer: 503 until the next snapshot. */
  @Test
  void anIncompletePublicationIsRefusedUntilTheNextSnapshot() {
    double[] x = new double[2 * ParameterStore.BLOCK];
    java.util.Arrays.fill(x, 1);
    send(ParameterChunks.snapshot(new ParameterChunks.Header("m", 1, 1, 1, 0, Map.of()), x, 1 << 20));
    java.util.Arrays.fill(x, 2);
    List<ParameterUpdate> chunks = ParameterChunks.snapshot(new ParameterChunks.Header("m", 1, 2, 2, 0, Map.of()), x, 8 * 5000);
    send(chunks.subList(0, 1));
    java.util.Arrays.fill(x, 3);
    send(delta(new ParameterChunks.Header("m", 1, 3, 3, 0, Map.of()), 1, x, new int[] {0}, 1024));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> served("m")).isInstanceOf(ParameterStore.Unavailable.class)
        .hasMessageContaining("incomplete");
    send(ParameterChunks.snapshot(new ParameterChunks.Header("m", 1, 4, 4, 0, Map.of()), x, 8 * 5000));
    assertThat(served("m").parameters()).isEqualTo(x);
  }

  @Test
  void recordsOfTheBoxedSchemaStillServe() {
    parameters.pipeInput("old", PARAMS.encode(ParameterUpdate.newBuilder().setModelId("old").setVersion(4).setStep(4)
        .setParameters(new NumericVector(2, null, List.of(1.5, -2.0))).setEventTime(Instant.EPOCH).build()));
    assertThat(served("old").parameters()).containsExactly(1.5, -2.0);
  }

  private void decide(long period, int assets) {
    PortfolioDecision d = PortfolioDecision.newBuilder().setPortfolioId("big").setStrategy("ucrp").setPeriod(period)
        .setAssets(java.util.Collections.nCopies(assets, "A")).setWeights(java.util.Collections.nCopies(assets, 1.0 / assets))
        .setWealth(1.0).setPeriodReturn(1.0).setEventTime(Instant.EPOCH).setRunEpoch(1).build();
    decisions.pipeInput("big", DECISIONS.encode(d));
  }

  /** A key's history fits in one changelog message: large outputs keep fewer versions, the newest always. */
  @Test
  void largeOutputsKeepFewerVersionsWithinTheStoresByteBudget() {
    for (long period = 1; period <= 4; period++) {
      decide(period, 80); // about 0.8 kB each: two fit in the test's 2 000 bytes
    }
    KeyValueStore<String, ServingView.Versions> store = driver.getKeyValueStore(ServingView.DECISIONS.store());
    assertThat(store.get("big").parts.get("ucrp")).extracting(b -> DECISIONS.decode(b).getPeriod()).containsExactly(3L, 4L);
    decide(5, 300); // 3 kB alone: only the newest stays
    assertThat(store.get("big").parts.get("ucrp")).extracting(b -> DECISIONS.decode(b).getPeriod()).containsExactly(5L);
  }

  @Test
  void portfolioStrategiesAreOrderedEachOnTheirOwn() {
    for (String strategy : List.of("ucrp", "olmar1")) {
      for (long period : new long[] {1, 2, 2, 1}) {
        PortfolioDecision d = PortfolioDecision.newBuilder().setPortfolioId("p").setStrategy(strategy).setPeriod(period)
            .setAssets(List.of("A")).setWeights(List.of(1.0)).setWealth(1.0).setPeriodReturn(1.0).setEventTime(Instant.EPOCH)
            .setRunEpoch(5).build();
        decisions.pipeInput("p", DECISIONS.encode(d));
      }
    }
    KeyValueStore<String, ServingView.Versions> store = driver.getKeyValueStore(ServingView.DECISIONS.store());
    Map<String, List<byte[]>> parts = store.get("p").parts;
    assertThat(parts).containsOnlyKeys("ucrp", "olmar1");
    assertThat(parts.get("olmar1")).extracting(b -> DECISIONS.decode(b).getPeriod()).containsExactly(1L, 2L);
  }

  /** Stores written before run epochs (changelog topics of a running deployment) still read, as epoch 0. */
  @Test
  void theStoreFormatWithoutEpochsStillReads() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    byte[] value = DECISIONS.encode(PortfolioDecision.newBuilder().setPortfolioId("p").setStrategy("ucrp").setPeriod(4)
        .setAssets(List.of("A")).setWeights(List.of(1.0)).setWealth(1.0).setPeriodReturn(1.0).setEventTime(Instant.EPOCH).build());
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeInt(1); // parts
      out.writeUTF("");
      out.writeLong(4); // latest version
      out.writeInt(1);
      out.writeInt(value.length);
      out.write(value);
    }
    ServingView.Versions v = ServingView.Versions.SERDE.deserializer().deserialize("t", bytes.toByteArray());
    assertThat(v.latest).containsEntry("", 4L);
    assertThat(v.epochs).containsEntry("", 0L);
    ServingView.Versions again = ServingView.Versions.SERDE.deserializer().deserialize("t",
        ServingView.Versions.SERDE.serializer().serialize("t", v.add("", 0, 5, value, 3, 10_000)));
    assertThat(again.latest).containsEntry("", 5L);
    assertThat(again.parts.get("")).hasSize(2);
  }
}
