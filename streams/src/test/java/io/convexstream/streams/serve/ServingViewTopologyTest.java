package io.convexstream.streams.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.kafka.Topic;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.codec.AvroCodec;
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

  private void publish(String model, long epoch, long version, int dim) {
    ParameterUpdate u = ParameterUpdate.newBuilder().setModelId(model).setVersion(version).setStep(version)
        .setParameters(new NumericVector(dim, null, java.util.Collections.nCopies(dim, (double) version))).setEventTime(Instant.EPOCH)
        .setRunEpoch(epoch).build();
    parameters.pipeInput(model, PARAMS.encode(u));
  }

  /** (epoch, version) of the stored history of one model, oldest first. */
  private List<String> history(String model) {
    KeyValueStore<String, ServingView.Versions> store = driver.getKeyValueStore(ServingView.PARAMETERS.store());
    ServingView.Versions v = store.get(model);
    if (v == null) {
      return List.of();
    }
    return v.parts.get("").stream().map(PARAMS::decode).map(u -> u.getRunEpoch() + "/" + u.getVersion()).toList();
  }

  @Test
  void versionsArriveInOrderAndTheHistoryKeepsTheLastN() {
    for (long v = 1; v <= 5; v++) {
      publish("m", 7, v);
    }
    assertThat(history("m")).containsExactly("7/3", "7/4", "7/5");
  }

  /** A key's history fits in one changelog message: large outputs keep fewer versions, the newest always. */
  @Test
  void largeOutputsKeepFewerVersionsWithinTheStoresByteBudget() {
    for (long v = 1; v <= 4; v++) {
      publish("big", 1, v, 100); // about 0.8 kB each: two fit in the test's 2 000 bytes
    }
    assertThat(history("big")).containsExactly("1/3", "1/4");
    publish("big", 1, 5, 300); // 2.4 kB alone: only the newest stays
    assertThat(history("big")).containsExactly("1/5");
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
    publish("other", 0, 9); // outputs written before run epochs existed (epoch 0)
    assertThat(history("other")).containsExactly("0/9");
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
    byte[] value = PARAMS.encode(ParameterUpdate.newBuilder().setModelId("m").setVersion(4).setStep(4)
        .setParameters(new NumericVector(1, null, List.of(1.0))).setEventTime(Instant.EPOCH).build());
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
