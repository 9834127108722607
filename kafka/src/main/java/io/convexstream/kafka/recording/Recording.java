package io.convexstream.kafka.recording;

import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.SchemaCatalog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The recording format: a directory with one Avro container file per topic ({@code <topic>.avro}) of
 * {@link RecordedMessage}s, ordered by Kafka timestamp with each partition's offsets in order. The
 * file's metadata names the topic and holds, as JSON, the writer schema of every value fingerprint
 * it uses, so a recording decodes without the code that wrote it.
 */
public final class Recording {
  public static final String SUFFIX = ".avro";
  public static final String TOPIC_KEY = "convexstream.topic";
  public static final String SCHEMAS_KEY = "convexstream.schemas";
  public static final String PARTITIONS_KEY = "convexstream.partitions";

  private Recording() {}

  /** The file of {@code topic} in recording {@code dir}. */
  public static Path file(Path dir, String topic) {
    return dir.resolve(topic + SUFFIX);
  }

  /** The recorded topics of {@code dir}, by name. */
  public static List<String> topics(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SUFFIX))
          .map(n -> n.substring(0, n.length() - SUFFIX.length())).sorted().toList();
    }
  }

  /**
   * Writes {@code byPartition} (every partition of the topic, each in offset order, empty ones
   * too) as the file of {@code topic}, merged by timestamp across partitions; returns how many were
   * written.
   */
  public static int write(Path dir, String topic, Map<Integer, List<RecordedMessage>> byPartition) throws IOException {
    Files.createDirectories(dir);
    List<RecordedMessage> merged = merge(new ArrayList<>(byPartition.values()));
    Map<Long, String> schemas = new TreeMap<>();
    for (RecordedMessage m : merged) {
      if (m.getSchemaFingerprint() != null) {
        Schema s = SchemaCatalog.store().findByFingerprint(m.getSchemaFingerprint());
        schemas.put(m.getSchemaFingerprint(), s == null ? "unknown" : s.toString());
      }
    }
    try (DataFileWriter<RecordedMessage> w = new DataFileWriter<>(new SpecificDatumWriter<>(RecordedMessage.class))) {
      w.setCodec(CodecFactory.deflateCodec(6));
      w.setMeta(TOPIC_KEY, topic);
      w.setMeta(SCHEMAS_KEY, json(schemas));
      w.setMeta(PARTITIONS_KEY, Integer.toString(byPartition.size()));
      w.create(RecordedMessage.getClassSchema(), file(dir, topic).toFile());
      for (RecordedMessage m : merged) {
        w.append(m);
      }
    }
    return merged.size();
  }

  /** The messages of one recording file, in file order. */
  public static List<RecordedMessage> read(Path file) throws IOException {
    List<RecordedMessage> out = new ArrayList<>();
    try (DataFileStream<RecordedMessage> s = new DataFileStream<>(Files.newInputStream(file), new SpecificDatumReader<>(RecordedMessage.class))) {
      for (RecordedMessage m : s) {
        out.add(m);
      }
    }
    return out;
  }

  /** How many partitions the recorded topic had. */
  public static int partitions(Path dir, String topic) throws IOException {
    try (DataFileStream<RecordedMessage> s = new DataFileStream<>(Files.newInputStream(file(dir, topic)),
        new SpecificDatumReader<>(RecordedMessage.class))) {
      return Integer.parseInt(s.getMetaString(PARTITIONS_KEY));
    }
  }

  /** The messages of the given topics of {@code dir}, merged by timestamp (each file's order kept). */
  public static List<RecordedMessage> readAll(Path dir, List<String> topics) throws IOException {
    List<List<RecordedMessage>> files = new ArrayList<>();
    for (String t : topics) {
      Path f = file(dir, t);
      if (!Files.exists(f)) {
        throw new IOException("recording " + dir + " has no topic " + t + " (it has " + topics(dir) + ")");
      }
      files.add(read(f));
    }
    return merge(files);
  }

  /**
   * k-way merge by timestamp that keeps each input's own order (ties: the lower input first), so
   * per-partition order, and with it per-key order, survives.
   */
  static List<RecordedMessage> merge(List<List<RecordedMessage>> inputs) {
    record Head(int input, int index, long timestamp) {}
    PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparingLong(Head::timestamp).thenComparingInt(Head::input));
    for (int i = 0; i < inputs.size(); i++) {
      if (!inputs.get(i).isEmpty()) {
        heads.add(new Head(i, 0, inputs.get(i).get(0).getTimestamp()));
      }
    }
    List<RecordedMessage> out = new ArrayList<>();
    while (!heads.isEmpty()) {
      Head h = heads.poll();
      List<RecordedMessage> in = inputs.get(h.input());
      out.add(in.get(h.index()));
      if (h.index() + 1 < in.size()) {
        heads.add(new Head(h.input(), h.index() + 1, in.get(h.index() + 1).getTimestamp()));
      }
    }
    return out;
  }

  /** The writer-schema fingerprint of a single-object-encoded value (header C3 01 + 8 bytes LE), or null. */
  public static Long fingerprint(byte[] value) {
    if (value == null || value.length < 10 || value[0] != (byte) 0xC3 || value[1] != (byte) 0x01) {
      return null;
    }
    return ByteBuffer.wrap(value, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static String json(Map<Long, String> schemas) {
    StringBuilder b = new StringBuilder("{");
    for (var e : schemas.entrySet()) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('"').append(e.getKey()).append("\":").append(e.getValue().equals("unknown") ? "null" : e.getValue());
    }
    return b.append('}').toString();
  }
}
