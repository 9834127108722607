package io.convexstream.kafka.recording;

import io.convexstream.schemas.RecordedHeader;
import io.convexstream.schemas.RecordedMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Records topics into a recording directory: everything from the beginning of each partition up
 * to its end offset at the start (read_committed, so aborted transactions are left out).
 */
public final class Recorder {
  private Recorder() {}

  /** Records {@code topics}; returns the number of messages written per topic. */
  public static Map<String, Integer> record(String bootstrapServers, List<String> topics, Path dir, Duration timeout) throws IOException {
    return record(io.convexstream.kafka.KafkaConnection.to(bootstrapServers), topics, dir, timeout);
  }

  /** Records {@code topics} through {@code kafka}; returns the number of messages written per topic. */
  public static Map<String, Integer> record(io.convexstream.kafka.KafkaConnection kafka, List<String> topics, Path dir,
      Duration timeout) throws IOException {
    Properties p = kafka.properties(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    Map<String, Integer> written = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (String topic : topics) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
            .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<Integer, List<RecordedMessage>> byPartition = new TreeMap<>();
        partitions.forEach(tp -> byPartition.put(tp.partition(), new ArrayList<>()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reachedEnd(consumer, end)) {
          if (System.nanoTime() > deadline) {
            throw new IOException("recording " + topic + " did not reach the end offsets " + end + " within " + timeout);
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
              byPartition.get(r.partition()).add(toMessage(r));
            }
          }
        }
        written.put(topic, Recording.write(dir, topic, byPartition));
      }
    }
    return written;
  }

  private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (var e : end.entrySet()) {
      // with transactions the last offsets may be markers, never returned: the position passes them
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  static RecordedMessage toMessage(ConsumerRecord<byte[], byte[]> r) {
    List<RecordedHeader> headers = new ArrayList<>();
    for (Header h : r.headers()) {
      headers.add(new RecordedHeader(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value())));
    }
    return RecordedMessage.newBuilder()
        .setTopic(r.topic())
        .setPartition(r.partition())
        .setOffset(r.offset())
        .setTimestamp(r.timestamp())
        .setTimestampType(r.timestampType().name)
        .setKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
        .setValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
        .setHeaders(headers)
        .setSchemaFingerprint(Recording.fingerprint(r.value()))
        .build();
  }
}
