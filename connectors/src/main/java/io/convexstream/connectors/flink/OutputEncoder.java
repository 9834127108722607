package io.convexstream.connectors.flink;

import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Encodes a job's outputs for their Kafka sink, once, chained to it; an output whose key and value
 * would exceed {@code maxBytes} (the topics' message limit less headroom for the batch) is not
 * sent — the broker would refuse it and the sink would fail the job, again after every restart —
 * but dead-lettered (stage {@value #STAGE}: its topic and key, partition and offset −1, the reason)
 * and counted in {@code convexstream.oversizedOutputs}.
 */
public final class OutputEncoder<T extends SpecificRecord> extends ProcessFunction<T, EncodedRecord> {
  private static final long serialVersionUID = 1L;
  /** Dead-letter stage of outputs that could not be published. */
  public static final String STAGE = "publish";
  /** Room left in a message for the record batch and record headers. */
  public static final int HEADROOM_BYTES = 64 * 1024;
  /** Default of the job option output.maxBytes. */
  public static final int DEFAULT_MAX_BYTES = Topic.MAX_MESSAGE_BYTES - HEADROOM_BYTES;

  private final Topic topic;
  private final Class<T> type;
  private final KafkaIO.KeyOf<T> key;
  private final int maxBytes;
  private final String job;
  private transient AvroCodec<T> codec;
  private transient Counter oversized;

  public OutputEncoder(Topic topic, Class<T> type, KafkaIO.KeyOf<T> key, int maxBytes, String job) {
    if (maxBytes < 1 || maxBytes > DEFAULT_MAX_BYTES) {
      throw new IllegalArgumentException("output.maxBytes must be in 1.." + DEFAULT_MAX_BYTES + " (the topics take "
          + Topic.MAX_MESSAGE_BYTES + " bytes per message, less " + HEADROOM_BYTES + " of headroom), not " + maxBytes);
    }
    this.topic = topic;
    this.type = type;
    this.key = key;
    this.maxBytes = maxBytes;
    this.job = job;
  }

  @Override
  public void open(OpenContext ctx) {
    codec = AvroCodec.of(type);
    oversized = getRuntimeContext().getMetricGroup().addGroup(OperatorMetrics.GROUP).counter("oversizedOutputs");
  }

  @Override
  public void processElement(T record, Context ctx, Collector<EncodedRecord> out) {
    byte[] k = key.key(record).getBytes(StandardCharsets.UTF_8);
    byte[] v = codec.encode(record);
    if (k.length + v.length <= maxBytes) {
      out.collect(new EncodedRecord(k, v));
      return;
    }
    oversized.inc();
    ctx.output(DeadLetters.TAG, DeadLetter.newBuilder()
        .setSourceTopic(topic.topicName())
        .setPartition(-1)
        .setOffset(-1)
        .setKey(ByteBuffer.wrap(k))
        .setValue(null)
        .setStage(STAGE)
        .setReason("output for key " + key.key(record) + " to " + topic.topicName() + " is " + (k.length + v.length)
            + " bytes encoded, over output.maxBytes = " + maxBytes + "; not published (large models: publish less often, or use sparse updates)")
        .setJob(job)
        .setEventTime(Instant.now())
        .build());
  }
}
