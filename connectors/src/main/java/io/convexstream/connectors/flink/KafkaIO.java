package io.convexstream.connectors.flink;

import io.convexstream.flink.RawRecord;
import io.convexstream.kafka.KafkaConnection;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Builders of the Flink Kafka sources and sinks every job uses. */
public final class KafkaIO {
  private KafkaIO() {}

  /** Key of an output record, as a UTF-8 string. */
  @FunctionalInterface
  public interface KeyOf<T> extends Serializable {
    String key(T record);
  }

  /**
   * A source of raw records (bytes plus origin) from {@code topics}; decoding happens downstream so
   * bad bytes become dead letters instead of failing the source. Bounded sources stop at the
   * offsets that were latest when the job started.
   */
  public static KafkaSource<RawRecord> rawSource(
      KafkaConnection kafka, String groupId, boolean bounded, Topic... topics) {
    return rawSource(kafka, groupId, bounded, new RawDeserializer(), topics);
  }

  /**
   * The time of a record whose value does not decode: the least there is, so that it moves no
   * watermark (its Kafka timestamp, a producer's clock, could carry the watermark past every input
   * still to come). The decode step dead-letters it.
   */
  public static final long NO_EVENT_TIME = Long.MIN_VALUE;

  /** Event time of a record, read from its decoded value. */
  @FunctionalInterface
  public interface EventTimeOf<T> extends Serializable {
    long millis(T record);
  }

  /**
   * Like {@link #rawSource(KafkaConnection, String, boolean, Topic...)}, but each raw record's timestamp is
   * the event time of its value ({@link #NO_EVENT_TIME} when the value does not decode), so a
   * watermark strategy given to {@code fromSource} tracks event time per partition.
   */
  public static <T extends SpecificRecord> KafkaSource<RawRecord> rawSource(
      KafkaConnection kafka, String groupId, boolean bounded, Class<T> type, EventTimeOf<T> eventTime, Topic... topics) {
    return rawSource(kafka, groupId, bounded, new EventTimeDeserializer<>(AvroCodec.of(type), eventTime), topics);
  }

  /**
   * The event time of the encoded value of the record at (topic, partition, offset), or {@code
   * fallback} when it does not decode (the decode step dead-letters it later); the decoded value goes
   * to the decode step through {@link DecodeHandoff}, so it is not decoded again.
   */
  public static <T extends SpecificRecord> long eventTimeOr(AvroCodec<T> codec, EventTimeOf<T> eventTime, String topic, int partition,
      long offset, byte[] value, long fallback) {
    try {
      T decoded = codec.decode(value);
      long time = eventTime.millis(decoded);
      DecodeHandoff.put(topic, partition, offset, decoded);
      return time;
    } catch (RuntimeException undecodable) {
      return fallback;
    }
  }

  private static KafkaSource<RawRecord> rawSource(
      KafkaConnection kafka, String groupId, boolean bounded, KafkaRecordDeserializationSchema<RawRecord> deserializer, Topic... topics) {
    var builder = KafkaSource.<RawRecord>builder()
        .setProperties(kafka.properties(Map.of())) // the client properties (security), then the project's own settings
        .setBootstrapServers(kafka.bootstrapServers())
        .setGroupId(groupId)
        .setTopics(Arrays.stream(topics).map(Topic::topicName).toArray(String[]::new))
        .setStartingOffsets(OffsetsInitializer.committedOffsets(
            org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topic.MAX_MESSAGE_BYTES))
        .setDeserializer(deserializer);
    if (bounded) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /**
   * A sink writing encoded records ({@link OutputEncoder}) to {@code topic}. With {@link
   * DeliveryGuarantee#EXACTLY_ONCE} the job must checkpoint; records become visible to
   * read_committed consumers when a checkpoint completes.
   */
  public static KafkaSink<EncodedRecord> sink(KafkaConnection kafka, Topic topic, DeliveryGuarantee guarantee,
      String transactionalIdPrefix) {
    return sink(kafka, topic.topicName(), guarantee, transactionalIdPrefix);
  }

  /** {@link #sink(KafkaConnection, Topic, DeliveryGuarantee, String)} to a topic outside the catalogue (the benchmarks' baseline). */
  public static KafkaSink<EncodedRecord> sink(KafkaConnection kafka, String topic, DeliveryGuarantee guarantee,
      String transactionalIdPrefix) {
    Properties producer = kafka.properties(Map.of(
        // below the broker's transaction.max.timeout.ms (15 min by default)
        "transaction.timeout.ms", String.valueOf(10 * 60 * 1000),
        "linger.ms", "5",
        "batch.size", String.valueOf(Topic.PRODUCER_BATCH_BYTES),
        "max.request.size", String.valueOf(Topic.MAX_MESSAGE_BYTES)));
    var builder = KafkaSink.<EncodedRecord>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(producer)
        .setDeliveryGuarantee(guarantee)
        .setRecordSerializer(new EncodedSerializer(topic));
    if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
      builder.setTransactionalIdPrefix(transactionalIdPrefix);
    }
    return builder.build();
  }

  /** Sends an encoded record as it is, to one topic. */
  static final class EncodedSerializer implements KafkaRecordSerializationSchema<EncodedRecord> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    EncodedSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(EncodedRecord r, KafkaSinkContext context, Long timestamp) {
      // event times before 1970 (simulated or bad data) are no Kafka timestamps; the output topics use append time anyway
      return new ProducerRecord<>(topic, null, timestamp == null || timestamp < 0 ? null : timestamp, r.key, r.value);
    }
  }

  /** Keeps every record, whatever its bytes, stamped with its value's event time when it decodes. */
  static final class EventTimeDeserializer<T extends SpecificRecord> implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;
    private final AvroCodec<T> codec;
    private final EventTimeOf<T> eventTime;

    EventTimeDeserializer(AvroCodec<T> codec, EventTimeOf<T> eventTime) {
      this.codec = codec;
      this.eventTime = eventTime;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
      long time = eventTimeOr(codec, eventTime, r.topic(), r.partition(), r.offset(), r.value(), NO_EVENT_TIME);
      out.collect(new RawRecord(r.topic(), r.partition(), r.offset(), time, r.key(), r.value()));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
      return TypeInformation.of(RawRecord.class);
    }
  }

  /** Keeps every record, whatever its bytes. */
  static final class RawDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
      out.collect(new RawRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
      return TypeInformation.of(RawRecord.class);
    }
  }
}
