package io.convexstream.kafka;

import io.convexstream.schemas.codec.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plain Kafka producer and consumer helpers for feeding topics and reading them back (demo, tests,
 * tools). Reads are read_committed, so they see exactly what an exactly-once job committed.
 */
public final class TopicClient implements AutoCloseable {
  /** The consumer groups of its readers (one per reader, never committed): what a reading user's ACL names. */
  public static final String READER_GROUP_PREFIX = "convexstream-reader-";
  private final KafkaConnection kafka;
  private final KafkaProducer<byte[], byte[]> producer;
  private final java.util.concurrent.atomic.AtomicReference<Exception> sendFailure = new java.util.concurrent.atomic.AtomicReference<>();

  /** A client of a cluster that needs no client settings (the in-JVM broker, tests). */
  public TopicClient(String bootstrapServers) {
    this(KafkaConnection.to(bootstrapServers));
  }

  public TopicClient(KafkaConnection kafka) {
    this.kafka = kafka;
    this.producer = new KafkaProducer<>(kafka.config(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "5",
        ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(Topic.PRODUCER_BATCH_BYTES),
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topic.MAX_MESSAGE_BYTES))),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends one encoded record with a UTF-8 key. */
  public <T extends SpecificRecord> void send(Topic topic, String key, T record) {
    @SuppressWarnings("unchecked")
    AvroCodec<T> codec = AvroCodec.of((Class<T>) record.getClass());
    sendRaw(topic, key, codec.encode(record));
  }

  /** Sends arbitrary bytes (possibly malformed, on purpose). */
  public void sendRaw(Topic topic, String key, byte[] value) {
    send(new ProducerRecord<>(topic.topicName(), key == null ? null : key.getBytes(StandardCharsets.UTF_8), value));
  }

  /** Sends a record exactly as given (topic, partition, timestamp, key, value, headers). */
  public void send(ProducerRecord<byte[], byte[]> record) {
    producer.send(record, (metadata, error) -> {
      if (error != null) {
        sendFailure.compareAndSet(null, error);
      }
    });
  }

  /** Waits until everything sent is acknowledged; throws if any send failed. */
  public void flush() {
    producer.flush();
    Exception e = sendFailure.get();
    if (e != null) {
      throw new IllegalStateException("a send to Kafka failed: " + e.getMessage(), e);
    }
  }

  /** Reads a topic from the beginning until {@code expected} records arrived or {@code timeout}. */
  public List<ConsumerRecord<byte[], byte[]>> readRaw(Topic topic, int expected, Duration timeout) {
    return readUntil(topic, r -> r, r -> true, expected, timeout);
  }

  /**
   * Reads a topic from the beginning until {@code expected} records matching {@code filter} arrived
   * (or {@code timeout}), and returns the matching ones, decoded.
   */
  public <T extends SpecificRecord> List<T> read(Topic topic, Class<T> type, Predicate<T> filter,
      int expected, Duration timeout) {
    AvroCodec<T> codec = AvroCodec.of(type);
    return readUntil(topic, r -> codec.decode(r.value()), filter, expected, timeout);
  }

  /** Reads and decodes a topic's records (see {@link #readRaw}). */
  public <T extends SpecificRecord> List<T> read(Topic topic, Class<T> type, int expected, Duration timeout) {
    return read(topic, type, v -> true, expected, timeout);
  }

  /** The one read loop: polls until enough kept records arrived, then once more so extras show up too. */
  private <R> List<R> readUntil(Topic topic, Function<ConsumerRecord<byte[], byte[]>, R> map, Predicate<R> keep,
      int expected, Duration timeout) {
    List<R> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
      consumer.subscribe(List.of(topic.topicName()));
      long deadline = System.nanoTime() + timeout.toNanos();
      boolean last = false;
      while (!last) {
        // after `expected` records one more short poll: records beyond the count must not hide behind it
        last = out.size() >= expected || System.nanoTime() >= deadline;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(last ? 500 : 200))) {
          R v = map.apply(r);
          if (keep.test(v)) {
            out.add(v);
          }
        }
      }
    }
    return out;
  }

  /** Where each partition of {@code topic} ends for read_committed readers (the last stable offset). */
  public static Map<TopicPartition, Long> endOffsets(String bootstrapServers, Topic topic) {
    return endOffsets(KafkaConnection.to(bootstrapServers), topic);
  }

  /** Where each partition of {@code topic} ends for read_committed readers (the last stable offset). */
  public static Map<TopicPartition, Long> endOffsets(KafkaConnection kafka, Topic topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
      return consumer.endOffsets(consumer.partitionsFor(topic.topicName()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(KafkaConnection kafka) {
    return new KafkaConsumer<>(kafka.config(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, READER_GROUP_PREFIX + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topic.MAX_MESSAGE_BYTES))),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
