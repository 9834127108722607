package io.convexstream.schemas.codec;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding of one record type: a 2-byte marker, the writer schema's 8-byte
 * fingerprint, then the binary body. Decoding resolves the writer schema through {@link
 * SchemaCatalog#store()}, so messages written with retired schema versions still decode.
 *
 * <p>The one wire-format implementation behind the Kafka Serde and the Flink schemas. Serializable
 * (only the class travels); encoders are rebuilt lazily after deserialization.
 */
public final class AvroCodec<T extends SpecificRecord> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private transient volatile BinaryMessageEncoder<T> encoder; // thread-safe (Avro), shared by the codec's users
  private transient volatile BinaryMessageDecoder<T> decoder;

  private AvroCodec(Class<T> type) {
    this.type = type;
  }

  /** The codec of {@code type}, one per class: building one resolves schemas and fingerprints, so callers need not keep their own. */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
    return (AvroCodec<T>) CODECS.computeIfAbsent(type, t -> new AvroCodec<>(type));
  }

  private static final java.util.concurrent.ConcurrentHashMap<Class<?>, AvroCodec<?>> CODECS = new java.util.concurrent.ConcurrentHashMap<>();

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return SchemaCatalog.schemaOf(type);
  }

  public byte[] encode(T record) {
    try {
      return bytes(encoder().encode(record));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The bytes of an Avro {@code bytes} value (null stays null); the buffer's position is left as it was. */
  public static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /** Decodes one message; throws {@link DecodeException} with a readable reason otherwise. */
  public T decode(byte[] bytes) {
    if (bytes == null) {
      throw new DecodeException("null value (tombstone) where a " + type.getSimpleName() + " was expected", null);
    }
    try {
      return decoder().decode(bytes);
    } catch (MissingSchemaException e) {
      throw new DecodeException("unknown schema fingerprint: " + e.getMessage(), e);
    } catch (BadHeaderException e) {
      throw new DecodeException("not an Avro single-object message: " + e.getMessage(), e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
      throw new DecodeException(
          "malformed " + type.getSimpleName() + " body (" + e.getClass().getSimpleName() + "): " + e.getMessage(), e);
    } catch (ClassCastException e) {
      throw new DecodeException(
          "message is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private BinaryMessageEncoder<T> encoder() {
    if (encoder == null) {
      encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(type), schema());
    }
    return encoder;
  }

  private BinaryMessageDecoder<T> decoder() {
    if (decoder == null) {
      decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), schema(), SchemaCatalog.store());
    }
    return decoder;
  }
}
