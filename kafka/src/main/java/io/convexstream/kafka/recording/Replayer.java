package io.convexstream.kafka.recording;

import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.RecordedHeader;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Replays a recording into Kafka: every message to its recorded topic and partition (so per-key
 * order and partitioning are kept) with its recorded key, value, headers and timestamp, in the
 * recording's timestamp order, at full speed or paced by the recorded timestamps.
 */
public final class Replayer {
  /** Which messages, how fast. {@code speed} 0 means as fast as possible; 1 real time; N N× faster. */
  public record Options(double speed, long fromMillis, long toMillis) {
    public static final Options MAX_SPEED = new Options(0, Long.MIN_VALUE, Long.MAX_VALUE);

    /** Parses max, realtime or xN (e.g. x10). */
    public static double parseSpeed(String s) {
      if (s.equals("max")) {
        return 0;
      }
      if (s.equals("realtime")) {
        return 1;
      }
      if (s.startsWith("x")) {
        double n = Double.parseDouble(s.substring(1));
        if (n > 0) {
          return n;
        }
      }
      throw new IllegalArgumentException("speed is max, realtime or xN with N > 0, not '" + s + "'");
    }

    boolean includes(long t) {
      return t >= fromMillis && t < toMillis;
    }
  }

  private Replayer() {}

  /** Replays {@code topics} of {@code dir} (all when empty); returns messages sent per topic. */
  public static Map<String, Integer> replay(String bootstrapServers, Path dir, List<String> topics, Options o, LongConsumer progress)
      throws IOException, InterruptedException {
    return replay(io.convexstream.kafka.KafkaConnection.to(bootstrapServers), dir, topics, o, progress);
  }

  /** Replays {@code topics} of {@code dir} (all when empty) through {@code connection}; returns messages sent per topic. */
  public static Map<String, Integer> replay(io.convexstream.kafka.KafkaConnection connection, Path dir, List<String> topics,
      Options o, LongConsumer progress) throws IOException, InterruptedException {
    List<String> chosen = topics.isEmpty() ? Recording.topics(dir) : topics;
    List<RecordedMessage> messages = Recording.readAll(dir, chosen);
    Map<String, Integer> sent = new LinkedHashMap<>();
    chosen.forEach(t -> sent.put(t, 0));
    try (TopicClient kafka = new TopicClient(connection)) {
      long firstRecorded = Long.MIN_VALUE;
      long startNanos = System.nanoTime();
      long count = 0;
      for (RecordedMessage m : messages) {
        if (!o.includes(m.getTimestamp())) {
          continue;
        }
        if (o.speed() > 0) {
          if (firstRecorded == Long.MIN_VALUE) {
            firstRecorded = m.getTimestamp();
          }
          long dueNanos = startNanos + (long) ((m.getTimestamp() - firstRecorded) * 1e6 / o.speed());
          long wait = dueNanos - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(m.getTopic(), m.getPartition(), m.getTimestamp(),
            AvroCodec.bytes(m.getKey()), AvroCodec.bytes(m.getValue()));
        for (RecordedHeader h : m.getHeaders()) {
          r.headers().add(new RecordHeader(h.getKey(), AvroCodec.bytes(h.getValue())));
        }
        kafka.send(r);
        sent.merge(m.getTopic(), 1, Integer::sum);
        if (++count % 10_000 == 0 && progress != null) {
          progress.accept(count);
        }
      }
      kafka.flush(); // throws if any send failed
    }
    return sent;
  }
}
