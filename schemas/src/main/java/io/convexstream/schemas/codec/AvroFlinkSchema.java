package io.convexstream.schemas.codec;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink (de)serialization schema for any record type of the system, in Avro single-object
 * encoding. Jobs that must dead-letter bad input read raw bytes and decode with {@link AvroCodec}
 * instead; this schema suits sinks and trusted sources (it throws {@link DecodeException}).
 */
public final class AvroFlinkSchema<T extends SpecificRecord>
    implements SerializationSchema<T>, DeserializationSchema<T> {
  private static final long serialVersionUID = 1L;
  private final AvroCodec<T> codec;

  public AvroFlinkSchema(Class<T> type) {
    this.codec = AvroCodec.of(type);
  }

  @Override
  public byte[] serialize(T element) {
    return codec.encode(element);
  }

  @Override
  public T deserialize(byte[] message) {
    return codec.decode(message);
  }

  @Override
  public boolean isEndOfStream(T nextElement) {
    return false;
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return TypeInformation.of(codec.type());
  }
}
