package io.convexstream.schemas.codec;

import io.convexstream.schemas.PackedVector;
import io.convexstream.schemas.ParameterUpdate;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder; // binary or JSON: the same calls as Avro's writer
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Avro's binary encoding of a {@link ParameterUpdate}, written field by field: the jobs write one per
 * publication, and Avro's generic writer (a schema walk with a conversion lookup per value) is a
 * large share of the learner's thread at small d (benchmarks/HISTORY.md). The bytes are Avro's own
 * ({@code ParameterUpdateWriterTest} compares them on random records); a record with the boxed
 * {@code parameters} of schema versions 1 and 2, which the jobs no longer write, goes to Avro's writer.
 *
 * <p>Tied to one schema: {@link #SCHEMA_FINGERPRINT} is its parsing fingerprint, and a schema that no
 * longer has it falls back to Avro's writer rather than write stale bytes.
 */
final class ParameterUpdateWriter implements DatumWriter<ParameterUpdate> {
  /** CRC-64-AVRO of the parsing canonical form of the schema this writer follows. */
  static final long SCHEMA_FINGERPRINT = 0x0DBF9492984C7F8DL;

  private final SpecificDatumWriter<ParameterUpdate> avro;
  private final boolean current;

  ParameterUpdateWriter(SpecificDatumWriter<ParameterUpdate> avro) {
    this.avro = avro;
    this.current = SchemaNormalization.parsingFingerprint64(ParameterUpdate.getClassSchema()) == SCHEMA_FINGERPRINT;
  }

  /** Whether this writer follows the current schema (else every record goes to Avro's writer). */
  boolean current() {
    return current;
  }

  @Override
  public void setSchema(Schema schema) {
    avro.setSchema(schema);
  }

  @Override
  public void write(ParameterUpdate u, Encoder out) throws IOException {
    if (!current || u.getParameters() != null) {
      avro.write(u, out);
      return;
    }
    out.writeString(u.getModelId());
    out.writeLong(u.getVersion());
    out.writeLong(u.getStep());
    out.writeIndex(0); // parameters: null
    out.writeNull(); // nothing in binary; JSON's encoder needs it
    out.writeLong(u.getBaseVersion());
    PackedVector v = u.getValues();
    if (v == null) {
      out.writeIndex(0);
      out.writeNull();
    } else {
      out.writeIndex(1);
      out.writeInt(v.getDim());
      out.writeInt(v.getOffset());
      out.writeBytes(v.getIndices()); // Avro reads from position to limit, leaving both
      out.writeBytes(v.getValues());
    }
    out.writeInt(u.getChunk());
    out.writeInt(u.getChunks());
    Map<String, Double> metrics = u.getMetrics();
    out.writeMapStart();
    out.setItemCount(metrics.size());
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      out.startItem();
      out.writeString(e.getKey());
      out.writeDouble(e.getValue());
    }
    out.writeMapEnd();
    out.writeLong(u.getEventTime().toEpochMilli());
    out.writeLong(u.getRunEpoch());
  }
}
