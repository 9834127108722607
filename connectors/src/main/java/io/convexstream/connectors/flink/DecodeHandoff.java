package io.convexstream.connectors.flink;

import io.convexstream.flink.RawRecord;

/**
 * Hands the value an event-time Kafka source decoded (to read its event time) to the {@link
 * DecodeFunction} chained right after it, so each record is decoded once. The Kafka source
 * deserializes in the task's thread and pushes the record down the chain at once, so one slot per
 * thread is enough: the decode step takes the value only if it belongs to the very record (topic,
 * partition, offset) in hand, and decodes the bytes itself otherwise (a chain cut by a
 * rebalance, a recording read in another thread).
 */
final class DecodeHandoff {
  private static final ThreadLocal<DecodeHandoff> SLOT = ThreadLocal.withInitial(DecodeHandoff::new);

  private String topic;
  private int partition;
  private long offset;
  private Object value;

  private DecodeHandoff() {}

  /** The source decoded {@code value} from the record at (topic, partition, offset). */
  static void put(String topic, int partition, long offset, Object value) {
    DecodeHandoff slot = SLOT.get();
    slot.topic = topic;
    slot.partition = partition;
    slot.offset = offset;
    slot.value = value;
  }

  /** The value decoded from {@code raw}, of {@code type}, if the source left it; the slot is empty afterwards. */
  static <T> T take(RawRecord raw, Class<T> type) {
    DecodeHandoff slot = SLOT.get();
    Object value = slot.value;
    slot.value = null;
    boolean same = value != null && slot.offset == raw.offset && slot.partition == raw.partition && slot.topic.equals(raw.topic);
    return same && type.isInstance(value) ? type.cast(value) : null;
  }
}
