package io.convexstream.connectors.recording;

import io.convexstream.schemas.RecordedHeader;
import io.convexstream.schemas.RecordedMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

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
    List<String> chosen = topics.isEmpty() ? Recording.topics(dir) : topics;
    List<RecordedMessage> messages = Recording.readAll(dir, chosen);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    Map<String, Integer> sent = new LinkedHashMap<>();
    chosen.forEach(t -> sent.put(t, 0));
    List<Future<RecordMetadata>> pending = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
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
            bytes(m.getKey()), bytes(m.getValue()));
        for (RecordedHeader h : m.getHeaders()) {
          r.headers().add(new RecordHeader(h.getKey(), bytes(h.getValue())));
        }
        pending.add(producer.send(r));
        sent.merge(m.getTopic(), 1, Integer::sum);
        if (++count % 10_000 == 0 && progress != null) {
          progress.accept(count);
        }
      }
      producer.flush();
      for (Future<RecordMetadata> f : pending) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IOException("replay failed: " + e.getCause().getMessage(), e.getCause());
    }
    return sent;
  }

  static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
