package io.convexstream.flink;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.codec.AvroCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.util.OutputTag;

/** Dead-letter records and the side output every operator sends them to. */
public final class DeadLetters {
  /** Side output for records an operator could not apply. */
  public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

  public static final String DECODE = "decode";
  public static final String VALIDATE = "validate";
  public static final String APPLY = "apply";

  private DeadLetters() {}

  /** A record rejected before or at decoding: its raw bytes are kept as read. */
  public static DeadLetter of(RawRecord raw, String stage, String reason, String job) {
    return DeadLetter.newBuilder()
        .setSourceTopic(raw.topic)
        .setPartition(raw.partition)
        .setOffset(raw.offset)
        .setKey(raw.key == null ? null : ByteBuffer.wrap(raw.key))
        .setValue(raw.value == null ? null : ByteBuffer.wrap(raw.value))
        .setStage(stage)
        .setReason(reason)
        .setJob(job)
        .setEventTime(Instant.now())
        .build();
  }

  /** A decoded record rejected by an operator: its value is re-encoded in the current schema. */
  public static <T extends SpecificRecord> DeadLetter of(Decoded<T> rec, AvroCodec<T> codec, String stage, String reason, String job) {
    return DeadLetter.newBuilder()
        .setSourceTopic(rec.topic)
        .setPartition(rec.partition)
        .setOffset(rec.offset)
        .setKey(rec.key == null ? null : ByteBuffer.wrap(rec.key))
        .setValue(ByteBuffer.wrap(codec.encode(rec.value)))
        .setStage(stage)
        .setReason(reason)
        .setJob(job)
        .setEventTime(Instant.now())
        .build();
  }
}
