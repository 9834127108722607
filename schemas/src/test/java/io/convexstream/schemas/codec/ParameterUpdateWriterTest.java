package io.convexstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.PackedVectors;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.util.RandomData;
import org.junit.jupiter.api.Test;

class ParameterUpdateWriterTest {

  @Test
  void followsTheCurrentSchema() {
    // a failure here means ParameterUpdate.avsc changed: update ParameterUpdateWriter and its fingerprint
    assertThat(new ParameterUpdateWriter(new SpecificDatumWriter<>(ParameterUpdate.class)).current()).isTrue();
  }

  private static String avroJson(ParameterUpdate u) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    org.apache.avro.io.JsonEncoder e = EncoderFactory.get().jsonEncoder(ParameterUpdate.getClassSchema(), out);
    new SpecificDatumWriter<>(ParameterUpdate.class).write(u, e);
    e.flush();
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void writesAvrosBytesForRandomAndPublishedRecords() throws Exception {
    List<ParameterUpdate> records = new ArrayList<>();
    SpecificData data = SpecificData.getForClass(ParameterUpdate.class);
    GenericDatumWriter<Object> generic = new GenericDatumWriter<>(ParameterUpdate.getClassSchema());
    SpecificDatumReader<ParameterUpdate> reader = new SpecificDatumReader<>(ParameterUpdate.getClassSchema(), ParameterUpdate.getClassSchema(), data);
    for (Object r : new RandomData(ParameterUpdate.getClassSchema(), 500, 7L)) { // random unions, maps, bytes; half with boxed parameters
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
      generic.write(r, e);
      e.flush();
      records.add(reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null)));
    }
    double[] x = {0.5, 0, -1e-300, Double.NaN, 3};
    records.add(new ParameterUpdate("m", 3L, 9L, null, 0L, PackedVectors.dense(x, 1, 4), 1, 2,
        Map.of("loss", 0.25, "updates", 3.0), Instant.ofEpochMilli(-5), 17L));
    records.add(new ParameterUpdate("ü", 4L, 9L, null, 3L, PackedVectors.sparse(5, new int[] {0, 4}, x, 0, 2), 0, 1,
        Map.of(), Instant.ofEpochMilli(Long.MAX_VALUE), 0L));
    records.add(new ParameterUpdate("old", 1L, 1L, new NumericVector(2, null, List.of(1.0, 2.0)), 0L, null, 0, 1, Map.of(),
        Instant.EPOCH, 0L));
    BinaryMessageEncoder<ParameterUpdate> avro = new BinaryMessageEncoder<>(data, ParameterUpdate.getClassSchema());
    AvroCodec<ParameterUpdate> codec = AvroCodec.of(ParameterUpdate.class);
    int direct = 0;
    for (ParameterUpdate u : records) {
      int position = u.getValues() == null ? -1 : u.getValues().getValues().position();
      assertThat(codec.encode(u)).isEqualTo(avro.encode(u).array());
      assertThat(codec.encodeJson(u)).isEqualTo(avroJson(u));
      if (u.getValues() != null) {
        assertThat(u.getValues().getValues().position()).isEqualTo(position); // encoding leaves the record as it was
      }
      direct += u.getParameters() == null ? 1 : 0;
    }
    assertThat(direct).isGreaterThan(200); // most records took the direct path
  }
}
