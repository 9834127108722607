package io.convexstream.schemas.codec;

import io.convexstream.schemas.ParameterUpdate;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding of one record type: a 2-byte marker, the writer schema's 8-byte
 * fingerprint, then the binary body. Decoding resolves the writer schema through {@link
 * SchemaCatalog#store()}, so messages written with retired schema versions still decode. A message
 * that is a JSON object is read as Avro's JSON encoding of the type (see {@link #decodeJson}).
 *
 * <p>The one wire-format implementation behind the Kafka Serde and the Flink schemas. Serializable
 * (only the class travels); encoders are rebuilt lazily after deserialization.
 *
 * <p>Records are written and read with buffered binary encoders over byte arrays, one per thread:
 * Avro's {@code BinaryMessageEncoder}/{@code Decoder} go through a direct (byte-at-a-time) coder on
 * a synchronized stream, which was a fifth of the learner's thread. Avro's decoder still reads what
 * the fast path does not take (bad headers, unknown fingerprints), so its reasons stay the same.
 */
public final class AvroCodec<T extends SpecificRecord> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The single-object encoding's marker, before the 8-byte little-endian CRC-64-AVRO fingerprint. */
  private static final byte MARKER_0 = (byte) 0xC3;
  private static final byte MARKER_1 = (byte) 0x01;
  private static final int HEADER_BYTES = 10;

  private final Class<T> type;
  private transient volatile byte[] header; // marker + the current schema's fingerprint
  private transient volatile DatumWriter<T> writer; // stateless, shared by threads
  private transient volatile ThreadLocal<Encoding> encodings;
  private transient volatile ConcurrentHashMap<Long, DatumReader<T>> readers; // by writer fingerprint
  private transient volatile ThreadLocal<BinaryDecoder> decoders;
  private transient volatile BinaryMessageDecoder<T> decoder; // the reasons of what the fast path leaves

  private AvroCodec(Class<T> type) {
    this.type = type;
  }

  /** The codec of {@code type}, one per class: building one resolves schemas and fingerprints, so callers need not keep their own. */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
    return (AvroCodec<T>) CODECS.computeIfAbsent(type, t -> new AvroCodec<>(type));
  }

  private static final ConcurrentHashMap<Class<?>, AvroCodec<?>> CODECS = new ConcurrentHashMap<>();

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return SchemaCatalog.schemaOf(type);
  }

  public byte[] encode(T record) {
    try {
      if (writer == null) {
        init();
      }
      return frame(writer, record);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The message of {@code record} written by {@code w}: the header, then the body, in this thread's buffer. */
  private <R> byte[] frame(DatumWriter<R> w, R record) throws IOException {
    Encoding e = encodings.get();
    e.out.reset();
    e.out.write(header, 0, HEADER_BYTES);
    try {
      w.write(record, e.encoder);
      e.encoder.flush();
    } catch (IOException | RuntimeException failed) {
      encodings.remove(); // its encoder may still buffer part of the failed record
      throw failed;
    }
    return e.out.toByteArray();
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
    boolean singleObject = bytes.length >= HEADER_BYTES && bytes[0] == MARKER_0 && bytes[1] == MARKER_1;
    if (!singleObject && startsJsonObject(bytes)) {
      return decodeJson(bytes);
    }
    if (!singleObject) {
      String other = otherFraming(bytes);
      if (other != null) {
        throw new DecodeException("not an Avro single-object message: " + other, null);
      }
    }
    try {
      DatumReader<T> reader = singleObject ? reader(fingerprint(bytes)) : null;
      if (singleObject && reader == null) {
        throw new DecodeException("unknown schema fingerprint: " + hex(bytes, 2, 8) + " (the 8 bytes after C3 01, as on the wire): no "
            + "known schema has it; the current " + type.getSimpleName() + " schema's is " + hex(header, 2, 8) + " (CRC-64-AVRO of its "
            + "parsing canonical form, little-endian)", null);
      }
      if (reader == null) { // not ours: Avro's decoder says why
        return decoder().decode(bytes);
      }
      BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, decoders.get());
      decoders.set(in);
      return reader.read(null, in);
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

  /**
   * Decodes Avro's JSON encoding of this type (unions as {@code {"double": 1.5}}, timestamps as epoch
   * milliseconds, as {@link #encodeJson} writes them) against the current schema; for producers
   * without an Avro library (kcat, shells). The record gets the same checks downstream as a binary one.
   */
  public T decodeJson(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    GenericData.Record generic;
    try {
      generic = JsonRecords.read(schema(), text);
    } catch (IllegalArgumentException e) {
      String shown = text.strip();
      throw new DecodeException("malformed " + type.getSimpleName() + " JSON (Avro's JSON encoding expected: unions as null or "
          + "{\"double\": 1.5}, timestamps in epoch ms): " + e.getMessage()
          + " in " + (shown.length() > 80 ? shown.substring(0, 80) + "…" : shown), e);
    }
    // through the binary form: the specific reader applies the logical types' conversions (Instant)
    return decode(encodeGeneric(generic));
  }

  private byte[] encodeGeneric(GenericData.Record record) {
    try {
      if (writer == null) {
        init();
      }
      return frame(new GenericDatumWriter<GenericData.Record>(schema()), record);
    } catch (IOException | RuntimeException e) {
      throw new DecodeException("malformed " + type.getSimpleName() + " JSON: " + e.getMessage(), e);
    }
  }

  /** Avro's JSON encoding of {@code record} on one line: what {@link #decodeJson} reads. */
  public String encodeJson(T record) {
    try {
      if (writer == null) {
        init();
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema(), out, false);
      writer.write(record, encoder);
      encoder.flush();
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + " as JSON: " + e.getMessage(), e);
    }
  }

  /** Whether the message is text starting (after white space) with '{': Avro's JSON encoding of a record. */
  private static boolean startsJsonObject(byte[] b) {
    for (byte c : b) {
      if (c == '{') {
        return true;
      }
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return false;
      }
    }
    return false;
  }

  /**
   * What a message that is not Avro single-object encoding looks like, when that is recognisable: a
   * Confluent Schema Registry record (magic byte 0, a 4-byte schema id), JSON, plain text; null otherwise.
   */
  static String otherFraming(byte[] b) {
    if (b.length >= 5 && b[0] == 0) {
      int id = ((b[1] & 0xFF) << 24) | ((b[2] & 0xFF) << 16) | ((b[3] & 0xFF) << 8) | (b[4] & 0xFF);
      return "it looks like a Confluent Schema Registry record (magic byte 0, schema id " + id + "); convexstream reads Avro "
          + "single-object encoding: C3 01, the writer schema's 8-byte fingerprint, then the body (README, wire format)";
    }
    String text = new String(b, StandardCharsets.UTF_8);
    boolean printable = !text.isEmpty() && text.codePoints().allMatch(c -> c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFD && c != 0x7F));
    if (!printable) {
      return null;
    }
    String start = text.strip();
    String shown = start.length() > 40 ? start.substring(0, 40) + "…" : start;
    if (start.startsWith("[")) {
      return "it looks like a JSON array (" + shown + "); convexstream reads Avro single-object encoding (binary: C3 01, fingerprint, "
          + "body) or one JSON object per message in Avro's JSON encoding";
    }
    return "it looks like plain text (" + shown + "); convexstream reads Avro single-object encoding (binary: C3 01, fingerprint, body) "
        + "or one JSON object per message in Avro's JSON encoding";
  }

  /** {@code n} bytes from {@code from}, as hex digits in wire order. */
  private static String hex(byte[] b, int from, int n) {
    return java.util.HexFormat.of().formatHex(b, from, from + n);
  }

  private synchronized void init() {
    if (writer != null) {
      return;
    }
    long fp = SchemaNormalization.parsingFingerprint64(schema());
    byte[] h = new byte[HEADER_BYTES];
    h[0] = MARKER_0;
    h[1] = MARKER_1;
    for (int i = 0; i < 8; i++) {
      h[2 + i] = (byte) (fp >>> (8 * i));
    }
    header = h;
    encodings = ThreadLocal.withInitial(Encoding::new);
    readers = new ConcurrentHashMap<>();
    decoders = new ThreadLocal<>();
    writer = writerOf(type, new SpecificDatumWriter<>(schema(), SpecificData.getForClass(type)));
  }

  /** Avro's writer, or for the record every publication writes, one that writes the same bytes directly. */
  @SuppressWarnings("unchecked")
  private static <T> DatumWriter<T> writerOf(Class<T> type, SpecificDatumWriter<T> avro) {
    if (type == ParameterUpdate.class) {
      return (DatumWriter<T>) new ParameterUpdateWriter((SpecificDatumWriter<ParameterUpdate>) avro);
    }
    return avro;
  }

  private static long fingerprint(byte[] bytes) {
    long fp = 0;
    for (int i = 0; i < 8; i++) {
      fp |= (bytes[2 + i] & 0xFFL) << (8 * i);
    }
    return fp;
  }

  /** The reader of records written with the schema of this fingerprint; null if the store lacks it. */
  private DatumReader<T> reader(long fingerprint) {
    if (writer == null) {
      init();
    }
    DatumReader<T> r = readers.get(fingerprint);
    if (r == null) {
      Schema written = SchemaCatalog.store().findByFingerprint(fingerprint);
      if (written == null) {
        return null;
      }
      r = new SpecificDatumReader<>(written, schema(), SpecificData.getForClass(type));
      readers.put(fingerprint, r);
    }
    return r;
  }

  /** One thread's output buffer and encoder, reused from record to record. */
  private static final class Encoding {
    final Bytes out = new Bytes();
    // bound to out once: configuring it again per record (a new sink each time) shows on the learner's thread
    final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
  }

  /** An unsynchronized growable byte buffer. */
  private static final class Bytes extends OutputStream {
    private byte[] buf = new byte[1024];
    private int count;

    void reset() {
      count = 0;
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void ensure(int more) {
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + more));
      }
    }

    byte[] toByteArray() {
      byte[] out = Arrays.copyOf(buf, count);
      if (buf.length > 1 << 20) { // do not hold a large model's buffer per thread for ever
        buf = new byte[1024];
      }
      return out;
    }
  }

  private BinaryMessageDecoder<T> decoder() {
    if (decoder == null) {
      decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), schema(), SchemaCatalog.store());
    }
    return decoder;
  }
}
