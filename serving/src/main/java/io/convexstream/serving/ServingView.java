package io.convexstream.serving;

import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.ExpertBiasUpdate;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
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
 * queryable stores — per model its parameters (rebuilt from snapshots and deltas, {@link
 * ParameterStore}) with the metadata of its last {@code history} versions, per (model, layer) its
 * expert biases, per portfolio each strategy's decision, keeping the last {@code history} versions
 * of each. Outputs are
 * ordered by (run epoch, version): duplicates and older versions are ignored, so replays and
 * at-least-once delivery do not disturb it, and a new run of a job (started without its state,
 * versions from 1 again) replaces the old run's history. The stores are backed by changelog
 * topics, so a restarted view restores them without re-reading the outputs; it is ready once it
 * has read its inputs up to the end offsets they had when it started.
 */
public final class ServingView implements AutoCloseable {
  /** One materialised output topic: its store, record type, version, and what splits a key's records. */
  public record Output<T extends SpecificRecord>(Topic topic, String store, Class<T> type, ToLongFunction<T> epoch,
      ToLongFunction<T> version, java.util.function.Function<T, String> part) {}

  public static final Output<ExpertBiasUpdate> BIASES = new Output<>(Topic.EXPERT_BIASES, "expert-biases", ExpertBiasUpdate.class,
      ExpertBiasUpdate::getRunEpoch, ExpertBiasUpdate::getStep, u -> "");
  public static final Output<PortfolioDecision> DECISIONS = new Output<>(Topic.PORTFOLIO_DECISIONS, "portfolio-decisions",
      PortfolioDecision.class, PortfolioDecision::getRunEpoch, PortfolioDecision::getPeriod, PortfolioDecision::getStrategy);

  /** The outputs kept as histories of whole records (parameters have their own stores: {@link ParameterStore}). */
  public static final List<Output<?>> OUTPUTS = List.of(BIASES, DECISIONS);

  /** Every topic the view reads. */
  public static final List<Topic> INPUTS = List.of(Topic.PARAMETERS, Topic.EXPERT_BIASES, Topic.PORTFOLIO_DECISIONS);

  /** Configuration of the changelog topics: compacted, and taking store values as large as the outputs. */
  public static final Map<String, String> CHANGELOG_CONFIGS = Map.of("cleanup.policy", "compact",
      "max.message.bytes", String.valueOf(Topic.MAX_MESSAGE_BYTES));

  /** Every store of the view (each has a changelog topic {@code <application id>-<store>-changelog}). */
  public static final List<String> STORES = List.of(ParameterStore.MODELS, ParameterStore.BLOCKS, BIASES.store(), DECISIONS.store());

  private final KafkaStreams streams;
  private final int history;
  /** Committed end offset of every input partition when the view started: it is ready once it read up to them. */
  private final Map<TopicPartition, Long> startEnds;
  private final Admin admin;
  private final String applicationId;
  private volatile boolean caughtUp;

  private ServingView(KafkaStreams streams, int history, Map<TopicPartition, Long> startEnds, Admin admin, String applicationId) {
    this.streams = streams;
    this.history = history;
    this.startEnds = startEnds;
    this.admin = admin;
    this.applicationId = applicationId;
  }

  /**
   * Bytes of records a key's store entry holds at most, so that it fits in one changelog message:
   * older versions go first (the newest of each part always stays; an output is at most
   * output.maxBytes, less than this).
   */
  static final int STORE_VALUE_BYTES = Topic.MAX_MESSAGE_BYTES - 96 * 1024;

  /** The view's topology: one versioned store per output topic. */
  static org.apache.kafka.streams.Topology topology(int history, int maxBytes) {
    StreamsBuilder builder = new StreamsBuilder();
    ParameterStore.materialise(builder, history);
    for (Output<?> o : OUTPUTS) {
      materialise(builder, o, history, maxBytes);
    }
    return builder.build();
  }

  /** Starts the view; it is ready (see {@link #ready()}) once it runs and has read what its inputs held at start. */
  public static ServingView start(String bootstrapServers, String applicationId, Path stateDir, int history) {
    return start(KafkaConnection.to(bootstrapServers), applicationId, stateDir, history);
  }

  /** {@link #start(String, String, Path, int)} with the client properties of {@code kafka} (security). */
  public static ServingView start(KafkaConnection kafka, String applicationId, Path stateDir, int history) {
    Map<TopicPartition, Long> startEnds = committedEnds(kafka);
    Properties p = kafka.properties(Map.of()); // its client properties apply to the Streams' consumers, producers and admin
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    // the jobs publish transactionally: only committed outputs are served
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // outputs and the changelog's histories may be as large as the topics allow
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Topic.MAX_MESSAGE_BYTES);
    p.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Topic.MAX_MESSAGE_BYTES);
    CHANGELOG_CONFIGS.forEach((k, v) -> p.put(StreamsConfig.topicPrefix(k), v));
    KafkaStreams streams = new KafkaStreams(topology(history, STORE_VALUE_BYTES), p);
    streams.start();
    return new ServingView(streams, history, startEnds,
        Admin.create(kafka.config(Map.of())), applicationId);
  }

  /** The end offsets a read_committed consumer sees now (the last stable offsets) of every output partition. */
  private static Map<TopicPartition, Long> committedEnds(KafkaConnection kafka) {
    try (Admin admin = Admin.create(kafka.config(Map.of()))) {
      List<String> topics = INPUTS.stream().map(Topic::topicName).toList();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
          d.partitions().forEach(pi -> latest.put(new TopicPartition(name, pi.partition()), OffsetSpec.latest())));
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS)
          .forEach((tp, info) -> ends.put(tp, info.offset()));
      return ends;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the end offsets of the output topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the end offsets of the output topics at " + kafka.bootstrapServers() + ": "
          + e.getMessage(), e);
    }
  }

  private static <T extends SpecificRecord> void materialise(StreamsBuilder builder, Output<T> o, int history, int maxBytes) {
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
          return versions.add(o.part().apply(record), o.epoch().applyAsLong(record), o.version().applyAsLong(record), value, history, maxBytes);
        }, Materialized.<String, Versions, KeyValueStore<Bytes, byte[]>>as(o.store())
            .withKeySerde(Serdes.String()).withValueSerde(Versions.SERDE));
  }

  /**
   * Whether the view runs and has read every input partition it holds up to the end offset the
   * partition had when the view started (so it answers with what was published before it started,
   * not with a restored or half-read past). Once true it stays true while the view runs.
   */
  public boolean ready() {
    return lagging().isEmpty();
  }

  /** Why the view is not ready yet (empty when it is): its state, or the partitions not yet read up to their start end offsets. */
  public String lagging() {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return streams.state().name();
    }
    if (caughtUp) {
      return "";
    }
    List<TopicPartition> held = new ArrayList<>();
    streams.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(task -> held.addAll(task.topicPartitions())));
    if (held.isEmpty()) {
      return "no partitions assigned yet";
    }
    // what the application committed, in this run or an earlier one (a restarted view may have nothing new to read)
    Map<TopicPartition, Long> read = new HashMap<>();
    try {
      admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
          .forEach((tp, om) -> read.put(tp, om == null ? -1 : om.offset()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (ExecutionException | TimeoutException e) {
      return "cannot read its committed offsets: " + e.getMessage();
    }
    List<String> behind = new ArrayList<>();
    for (TopicPartition tp : held) {
      long target = startEnds.getOrDefault(tp, 0L);
      long offset = read.getOrDefault(tp, -1L);
      if (target > 0 && offset < target) { // a partition empty at start needs nothing read
        behind.add(tp + " at " + offset + " of " + target);
      }
    }
    caughtUp = behind.isEmpty();
    return caughtUp ? "" : "catching up: " + String.join(", ", behind);
  }

  /**
   * When each output topic last got a record: the newest broker append time over its partitions
   * (the output topics keep LogAppendTime). Topics never written are absent.
   */
  public Map<String, java.time.Instant> newestOutputs() {
    Map<TopicPartition, OffsetSpec> newest = new HashMap<>();
    startEnds.keySet().forEach(tp -> newest.put(tp, OffsetSpec.maxTimestamp()));
    Map<String, java.time.Instant> times = new java.util.TreeMap<>();
    try {
      admin.listOffsets(newest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> {
        if (info.timestamp() >= 0) {
          times.merge(tp.topic(), java.time.Instant.ofEpochMilli(info.timestamp()), (a, b) -> a.isAfter(b) ? a : b);
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the output topics' newest records", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the output topics' newest records: " + e.getMessage(), e);
    }
    return times;
  }

  public String state() {
    return streams.state().name();
  }

  public int history() {
    return history;
  }

  /** The latest complete parameters of a model, or null when it is unknown. */
  public ParameterStore.Served model(String modelId) {
    return ParameterStore.read(streams.store(StoreQueryParameters.fromNameAndType(ParameterStore.MODELS, QueryableStoreTypes.keyValueStore())),
        streams.store(StoreQueryParameters.fromNameAndType(ParameterStore.BLOCKS, QueryableStoreTypes.keyValueStore())), modelId);
  }

  /** The latest complete parameters of a model at {@code coordinates} only (in their order), or null when it is unknown. */
  public ParameterStore.Served modelAt(String modelId, int[] coordinates) {
    return ParameterStore.read(streams.store(StoreQueryParameters.fromNameAndType(ParameterStore.MODELS, QueryableStoreTypes.keyValueStore())),
        streams.store(StoreQueryParameters.fromNameAndType(ParameterStore.BLOCKS, QueryableStoreTypes.keyValueStore())), modelId,
        coordinates);
  }

  /** Metadata and metrics of a model's last {@code n} complete versions, oldest first; empty when it is unknown. */
  public List<ParameterStore.Version> modelHistory(String modelId, int n) {
    ReadOnlyKeyValueStore<String, ParameterStore.ModelEntry> store =
        streams.store(StoreQueryParameters.fromNameAndType(ParameterStore.MODELS, QueryableStoreTypes.keyValueStore()));
    ParameterStore.ModelEntry e = store.get(modelId);
    return e == null ? List.of() : List.copyOf(e.history.subList(Math.max(0, e.history.size() - n), e.history.size()));
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
    admin.close();
  }

  /**
   * The last versions of each part of one key: encoded records, oldest first, (run epoch, version)
   * strictly increasing; a larger epoch starts the part's history again.
   */
  static final class Versions {
    /** Leads the serialized form since run epochs (before it, the form began with the part count, ≥ 0). */
    private static final int FORMAT_WITH_EPOCHS = -2;
    final Map<String, List<byte[]>> parts = new TreeMap<>();
    final Map<String, Long> latest = new TreeMap<>();
    final Map<String, Long> epochs = new TreeMap<>();

    Versions add(String part, long epoch, long version, byte[] value, int keep, int maxBytes) {
      Long last = latest.get(part);
      long lastEpoch = epochs.getOrDefault(part, Long.MIN_VALUE);
      if (last != null && (epoch < lastEpoch || epoch == lastEpoch && version <= last)) {
        return this; // a duplicate, an older version, or a straggler of an older run
      }
      if (epoch > lastEpoch) {
        parts.remove(part); // a new run: the old run's history no longer describes the model
      }
      latest.put(part, version);
      epochs.put(part, epoch);
      List<byte[]> values = parts.computeIfAbsent(part, p -> new ArrayList<>());
      values.add(value);
      if (values.size() > keep) {
        values.remove(0);
      }
      trim(part, maxBytes);
      return this;
    }

    /** Drops the oldest versions, of {@code part} first, until the records take at most {@code maxBytes}. */
    private void trim(String part, int maxBytes) {
      long bytes = parts.values().stream().flatMap(List::stream).mapToLong(b -> b.length).sum();
      List<List<byte[]>> order = new ArrayList<>();
      order.add(parts.get(part));
      parts.forEach((p, v) -> {
        if (!p.equals(part)) {
          order.add(v);
        }
      });
      for (List<byte[]> values : order) {
        while (bytes > maxBytes && values.size() > 1) {
          bytes -= values.remove(0).length;
        }
      }
    }

    static final Serde<Versions> SERDE = Serdes.serdeFrom(new Serializer<>() {
      @Override
      public byte[] serialize(String topic, Versions v) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeInt(FORMAT_WITH_EPOCHS);
          out.writeInt(v.parts.size());
          for (Map.Entry<String, List<byte[]>> e : v.parts.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(v.epochs.get(e.getKey()));
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
          int first = in.readInt();
          boolean withEpochs = first == FORMAT_WITH_EPOCHS; // else a changelog written before run epochs
          for (int parts = withEpochs ? in.readInt() : first; parts > 0; parts--) {
            String part = in.readUTF();
            v.epochs.put(part, withEpochs ? in.readLong() : 0L);
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
