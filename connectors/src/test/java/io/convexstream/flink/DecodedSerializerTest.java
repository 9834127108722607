package io.convexstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.RandomData;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class DecodedSerializerTest {

  @Test
  void everyRecordTypeCrossesBetweenOperatorsUnchanged() throws Exception {
    for (Class<? extends SpecificRecord> type : List.of(Gradient.class, LabelledExample.class, RouterLoadReport.class,
        RouterScoreBatch.class, MarketTick.class, MarketBar.class, ParameterUpdate.class)) {
      roundTrips(type);
    }
  }

  private static <T extends SpecificRecord> void roundTrips(Class<T> type) throws Exception {
    DecodedSerializer<T> serializer = new DecodedSerializer<>(type);
    int n = 0;
    for (T value : random(type, 200)) {
      Decoded<T> d = new Decoded<>();
      d.value = value;
      d.topic = n % 7 == 0 ? null : "topic-" + n;
      d.partition = n;
      d.offset = 1_000_000_000_000L + n;
      d.key = n % 5 == 0 ? null : ("key-" + n).getBytes();
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(d, out);
      Decoded<T> back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
      assertThat(back.value).as(type.getSimpleName()).isEqualTo(value);
      assertThat(back.topic).isEqualTo(d.topic);
      assertThat(back.partition).isEqualTo(d.partition);
      assertThat(back.offset).isEqualTo(d.offset);
      assertThat(back.key).isEqualTo(d.key);
      DataOutputSerializer copied = new DataOutputSerializer(64);
      serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
      assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
      assertThat(serializer.copy(back).value).isEqualTo(value);
      n++;
    }
  }

  @Test
  void aGradientsEntriesArriveUnboxed() throws Exception {
    Gradient g = new Gradient("modèle-μ", 3L, "w", new NumericVector(10, List.of(2, 7), List.of(0.5, -1e300)), null, 1.5, Instant.ofEpochMilli(42));
    DecodedSerializer<Gradient> serializer = new DecodedSerializer<>(Gradient.class);
    Decoded<Gradient> d = new Decoded<>();
    d.value = g;
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(d, out);
    Gradient back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())).value;
    assertThat(back).isEqualTo(g);
    assertThat(back.getGradient().getValues()).isInstanceOf(RecordWire.Doubles.class);
    assertThat(back.getGradient().getIndices()).isInstanceOf(RecordWire.Ints.class);
    assertThat(back.getEventTime()).isEqualTo(Instant.ofEpochMilli(42));
  }

  /** Random records of the type's schema (Avro's generator), read into the specific class as a job reads them. */
  private static <T extends SpecificRecord> List<T> random(Class<T> type, int count) throws Exception {
    SpecificData data = SpecificData.getForClass(type);
    Schema schema = data.getSchema(type);
    GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(schema, schema, data);
    List<T> out = new java.util.ArrayList<>();
    for (Object generic : new RandomData(schema, count, 17L)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
      writer.write(generic, e);
      e.flush();
      out.add(reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null)));
    }
    return out;
  }
}
