package io.convexstream.jobs;

import io.convexstream.kafka.Topic;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads what a job wrote to a topic after given offsets (read_committed), to compare runs byte for byte. */
public final class OutputTopics {
  private OutputTopics() {}

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Everything written to {@code topic} after {@code from} (the job has finished: its transactions are committed). */
  static List<ConsumerRecord<byte[], byte[]>> after(String bootstrap, Topic topic, Map<TopicPartition, Long> from) {
    try (var c = consumer(bootstrap)) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      Map<TopicPartition, Long> end = c.endOffsets(from.keySet());
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  /** Output values per key, in order, as hex (the bytes are the comparison). */
  public static Map<String, List<String>> perKey(String bootstrap, Topic topic, Map<TopicPartition, Long> from) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : after(bootstrap, topic, from)) {
      out.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(hex(r.value()));
    }
    return out;
  }

  /**
   * Like {@link #perKey}, with each output's runEpoch set to 0: outputs of state restored from a
   * savepoint written before run epochs existed carry epoch 0, an uninterrupted run its own.
   */
  public static Map<String, List<String>> perKeyIgnoringRunEpoch(String bootstrap, Topic topic, Map<TopicPartition, Long> from) {
    @SuppressWarnings("unchecked")
    AvroCodec<org.apache.avro.specific.SpecificRecord> codec = (AvroCodec<org.apache.avro.specific.SpecificRecord>) AvroCodec.of(topic.recordType());
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : after(bootstrap, topic, from)) {
      org.apache.avro.specific.SpecificRecord v = codec.decode(r.value());
      v.put(v.getSchema().getField("runEpoch").pos(), 0L);
      out.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(hex(codec.encode(v)));
    }
    return out;
  }

  /** Dead letters of {@code input}: source position → reason and value, without the wall-clock time. */
  public static Map<String, List<String>> deadLetters(String bootstrap, Topic input, Map<TopicPartition, Long> from) {
    var codec = AvroCodec.of(io.convexstream.schemas.DeadLetter.class);
    return after(bootstrap, Topic.DEAD_LETTERS, from).stream().map(r -> codec.decode(r.value()))
        .filter(d -> d.getSourceTopic().equals(input.topicName()))
        .collect(Collectors.groupingBy(d -> d.getPartition() + "@" + d.getOffset(), java.util.TreeMap::new,
            Collectors.mapping(d -> d.getStage() + ": " + d.getReason() + " " + (d.getValue() == null ? "" : hex(AvroCodec.bytes(d.getValue()))),
                Collectors.toList())));
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }
}
