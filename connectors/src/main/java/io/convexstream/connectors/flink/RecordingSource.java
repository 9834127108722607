package io.convexstream.connectors.flink;

import io.convexstream.flink.RawRecord;
import io.convexstream.kafka.recording.Recording;
import io.convexstream.schemas.RecordedMessage;
import io.convexstream.schemas.codec.AvroCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * A recording as a bounded Flink source of {@link RawRecord}s, the same records a job's Kafka source
 * would give (topic, partition, offset, key, value, and the value's event time as timestamp). A
 * FileSource, so its position is checkpointed. Each topic's file is read in recorded order by one
 * reader, which keeps per-key order.
 */
public final class RecordingSource {
  private RecordingSource() {}

  /**
   * The recorded {@code topics} of {@code dir} whose Kafka timestamps lie in [from, to), stamped
   * with the Kafka timestamp.
   */
  public static FileSource<RawRecord> of(Path dir, long from, long to, String... topics) throws IOException {
    return build(dir, new Format<>(null, null, from, to), topics);
  }

  /** Like {@link #of(Path, long, long, String...)}, stamped with each value's event time when it decodes. */
  public static <T extends SpecificRecord> FileSource<RawRecord> of(Path dir, long from, long to, Class<T> type,
      KafkaIO.EventTimeOf<T> eventTime, String... topics) throws IOException {
    return build(dir, new Format<>(type, eventTime, from, to), topics);
  }

  private static FileSource<RawRecord> build(Path dir, Format<?> format, String... topics) throws IOException {
    org.apache.flink.core.fs.Path[] files = new org.apache.flink.core.fs.Path[topics.length];
    for (int i = 0; i < topics.length; i++) {
      Path f = Recording.file(dir, topics[i]);
      if (!Files.exists(f)) {
        throw new IOException("recording " + dir + " has no topic " + topics[i] + " (it has " + Recording.topics(dir) + ")");
      }
      files[i] = new org.apache.flink.core.fs.Path(f.toAbsolutePath().toUri());
    }
    return FileSource.forRecordStreamFormat(format, files).build();
  }

  /**
   * Watermarks as a Kafka source makes them, one per partition, for a recording read as one
   * stream: the least of the partitions' (max event time − out-of-orderness − 1), over the {@code
   * partitions} partitions the live topic had, so a partition without data yet holds it back.
   */
  public static final class PerPartitionWatermarks implements WatermarkGenerator<RawRecord> {
    private final long[] max;
    private final long outOfOrderMillis;
    private long emitted = Long.MIN_VALUE;

    public PerPartitionWatermarks(int partitions, long outOfOrderMillis) {
      this.max = new long[partitions];
      Arrays.fill(max, Long.MIN_VALUE);
      this.outOfOrderMillis = outOfOrderMillis;
    }

    @Override
    public void onEvent(RawRecord r, long timestamp, WatermarkOutput out) {
      if (r.partition >= 0 && r.partition < max.length) {
        max[r.partition] = Math.max(max[r.partition], timestamp);
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput out) {
      long least = Arrays.stream(max).min().orElse(Long.MIN_VALUE);
      if (least != Long.MIN_VALUE && least - outOfOrderMillis - 1 > emitted) {
        emitted = least - outOfOrderMillis - 1;
        out.emitWatermark(new Watermark(emitted));
      }
    }
  }

  private static final class Format<T extends SpecificRecord> extends SimpleStreamFormat<RawRecord> {
    private static final long serialVersionUID = 1L;
    private final Class<T> type;
    private final KafkaIO.EventTimeOf<T> eventTime;
    private final long from;
    private final long to;

    Format(Class<T> type, KafkaIO.EventTimeOf<T> eventTime, long from, long to) {
      this.type = type;
      this.eventTime = eventTime;
      this.from = from;
      this.to = to;
    }

    @Override
    public StreamFormat.Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream) throws IOException {
      DataFileStream<RecordedMessage> in = new DataFileStream<>(stream, new SpecificDatumReader<>(RecordedMessage.class));
      AvroCodec<T> codec = type == null ? null : AvroCodec.of(type);
      return new StreamFormat.Reader<>() {
        @Override
        public RawRecord read() {
          RecordedMessage m;
          do {
            if (!in.hasNext()) {
              return null;
            }
            m = in.next();
          } while (m.getTimestamp() < from || m.getTimestamp() >= to);
          byte[] value = AvroCodec.bytes(m.getValue());
          long time = codec == null ? m.getTimestamp() : KafkaIO.eventTimeOr(codec, eventTime, m.getTopic(), m.getPartition(), m.getOffset(), value,
              KafkaIO.NO_EVENT_TIME);
          return new RawRecord(m.getTopic(), m.getPartition(), m.getOffset(), time, AvroCodec.bytes(m.getKey()), value);
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      };
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
      return TypeInformation.of(RawRecord.class);
    }
  }
}
