package io.convexstream.streams.serve;

import io.convexstream.connectors.kafka.Topic;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.PortfolioDecision;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The serving view: a Kafka Streams application that materialises the output topics into
 * queryable stores — per model its parameters, per (model, layer) its expert biases, per portfolio
 * each strategy's decision — keeping the last {@code history} versions of each (duplicates and
 * older versions are ignored, so replays and at-least-once delivery do not disturb it). The stores
 * are backed by changelog topics, so a restarted view restores them without re-reading the outputs.
 */
public final class ServingView implements AutoCloseable {
  /** One materialised output topic: its store, record type, version, and what splits a key's records. */
  public record Output<T extends SpecificRecord>(Topic topic, String store, Class<T> type, ToLongFunction<T> version,
      java.util.function.Function<T, String> part) {}

  public static final Output<ParameterUpdate> PARAMETERS =
      new Output<>(Topic.PARAMETERS, "parameters", ParameterUpdate.class, ParameterUpdate::getVersion, u -> "");
  public static final Output<ExpertBiasUpdate> BIASES =
      new Output<>(Topic.EXPERT_BIASES, "expert-biases", ExpertBiasUpdate.class, ExpertBiasUpdate::getStep, u -> "");
  public static final Output<PortfolioDecision> DECISIONS =
      new Output<>(Topic.PORTFOLIO_DECISIONS, "portfolio-decisions", PortfolioDecision.class, PortfolioDecision::getPeriod,
          PortfolioDecision::getStrategy);

  /** Every materialised output. */
  public static final List<Output<?>> OUTPUTS = List.of(PARAMETERS, BIASES, DECISIONS);

  private final KafkaStreams streams;
  private final int history;

  private ServingView(KafkaStreams streams, int history) {
    this.streams = streams;
    this.history = history;
  }

  /** Starts the view; it is ready (see {@link #ready()}) once its stores are restored and it runs. */
  public static ServingView start(String bootstrapServers, String applicationId, Path stateDir, int history) {
    StreamsBuilder builder = new StreamsBuilder();
    for (Output<?> o : OUTPUTS) {
      materialise(builder, o, history);
    }
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    // the jobs publish transactionally: only committed outputs are served
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    streams.start();
    return new ServingView(streams, history);
  }

  private static <T extends SpecificRecord> void materialise(StreamsBuilder builder, Output<T> o, int history) {
    AvroCodec<T> codec = AvroCodec.of(o.type());
    builder.stream(o.topic().topicName(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray()))
        .aggregate(Versions::new, (key, value, versions) -> {
          T record;
          try {
            record = codec.decode(value);
          } catch (RuntimeException e) { // DecodeException, or a value the type cannot hold
            return versions; // the jobs write these topics; nothing undecodable is expected there
          }
          return versions.add(o.part().apply(record), o.version().applyAsLong(record), value, history);
        }, Materialized.<String, Versions, KeyValueStore<Bytes, byte[]>>as(o.store())
            .withKeySerde(Serdes.String()).withValueSerde(Versions.SERDE));
  }

  /** Whether the view runs with its stores restored. */
  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  public String state() {
    return streams.state().name();
  }

  public int history() {
    return history;
  }

  /**
   * The last {@code n} versions (oldest first) of each part of {@code key} in the output's store,
   * decoded; empty when the key is unknown.
   */
  public <T extends SpecificRecord> Map<String, List<T>> query(Output<T> o, String key, int n) {
    ReadOnlyKeyValueStore<String, Versions> store =
        streams.store(StoreQueryParameters.fromNameAndType(o.store(), QueryableStoreTypes.keyValueStore()));
    Versions v = store.get(key);
    Map<String, List<T>> out = new TreeMap<>();
    if (v != null) {
      AvroCodec<T> codec = AvroCodec.of(o.type());
      v.parts.forEach((part, values) -> {
        List<T> decoded = new ArrayList<>();
        for (byte[] bytes : values.subList(Math.max(0, values.size() - n), values.size())) {
          decoded.add(codec.decode(bytes));
        }
        out.put(part, decoded);
      });
    }
    return out;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
  }

  /** The last versions of each part of one key: encoded records, oldest first, versions strictly increasing. */
  static final class Versions {
    final Map<String, List<byte[]>> parts = new TreeMap<>();
    final Map<String, Long> latest = new TreeMap<>();

    Versions add(String part, long version, byte[] value, int keep) {
      Long last = latest.get(part);
      if (last != null && version <= last) {
        return this; // a duplicate or an older version
      }
      latest.put(part, version);
      List<byte[]> values = parts.computeIfAbsent(part, p -> new ArrayList<>());
      values.add(value);
      if (values.size() > keep) {
        values.remove(0);
      }
      return this;
    }

    static final Serde<Versions> SERDE = Serdes.serdeFrom(new Serializer<>() {
      @Override
      public byte[] serialize(String topic, Versions v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeInt(v.parts.size());
          for (Map.Entry<String, List<byte[]>> e : v.parts.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(v.latest.get(e.getKey()));
            out.writeInt(e.getValue().size());
            for (byte[] b : e.getValue()) {
              out.writeInt(b.length);
              out.write(b);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
      }
    }, new Deserializer<>() {
      @Override
      public Versions deserialize(String topic, byte[] data) {
        if (data == null) {
          return null;
        }
        Versions v = new Versions();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
          for (int parts = in.readInt(); parts > 0; parts--) {
            String part = in.readUTF();
            v.latest.put(part, in.readLong());
            List<byte[]> values = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
              byte[] b = new byte[in.readInt()];
              in.readFully(b);
              values.add(b);
            }
            v.parts.put(part, values);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return v;
      }
    });
  }
}
