package io.convexstream.connectors.flink;

import io.convexstream.flink.RawRecord;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * A decoded record with its origin (topic, partition, offset, key), so an operator that rejects it
 * later can still dead-letter it with its exact source position.
 *
 * <p>Operators keep it in state (records waiting for a missing step), and Flink writes the class
 * name of every state type into checkpoints and savepoints: a new name would make every existing
 * savepoint unrestorable (SavepointIT restores the v1 fixtures).
 */
public class Decoded<T extends SpecificRecord> {
  public T value;
  public String topic;
  public int partition;
  public long offset;
  public byte[] key;

  public Decoded() {}

  public Decoded(T value, RawRecord origin) {
    this.value = value;
    this.topic = origin.topic;
    this.partition = origin.partition;
    this.offset = origin.offset;
    this.key = origin.key;
  }

  /** Flink type information of {@code Decoded<T>}: a POJO whose value is Avro-serialized. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T extends SpecificRecord> TypeInformation<Decoded<T>> typeInfo(Class<T> type) {
    return (TypeInformation) Types.POJO(Decoded.class, Map.of(
        "value", TypeInformation.of(type),
        "topic", Types.STRING,
        "partition", Types.INT,
        "offset", Types.LONG,
        "key", Types.PRIMITIVE_ARRAY(Types.BYTE)));
  }

  @Override
  public String toString() {
    return topic + "-" + partition + "@" + offset + ": " + value;
  }
}
