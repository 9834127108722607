package io.convexstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class AvroCodecTest {
  private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);

  static Gradient gradient() {
    return Gradient.newBuilder()
        .setModelId("m1")
        .setStep(7)
        .setProducerId("w0")
        .setGradient(new NumericVector(5, List.of(1, 3), List.of(0.5, -2.0)))
        .setLoss(1.25)
        .setEventTime(T0)
        .build();
  }

  @Test
  void roundTripsEveryRecordTypeWithFingerprintHeader() {
    AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
    byte[] bytes = codec.encode(gradient());
    // single-object encoding: C3 01 marker, then the 8-byte CRC-64-AVRO fingerprint (little endian)
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fp = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(fp).isEqualTo(SchemaNormalization.parsingFingerprint64(Gradient.getClassSchema()));
    assertThat(codec.decode(bytes)).isEqualTo(gradient());

    MarketTick tick = new MarketTick("ABC", T0, 101.5, 3.0);
    assertThat(AvroCodec.of(MarketTick.class).decode(AvroCodec.of(MarketTick.class).encode(tick)))
        .isEqualTo(tick);
  }

  @Test
  void writesExactlyAvrosSingleObjectBytesFromManyThreads() throws Exception {
    // the codec's own buffered writer must give the bytes of Avro's BinaryMessageEncoder, for small
    // records and for records larger than any buffer, while threads share the codec
    List<Gradient> records = new java.util.ArrayList<>();
    for (int n : new int[] {0, 3, 300, 200_000}) {
      List<Integer> idx = new java.util.ArrayList<>();
      List<Double> val = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        idx.add(2 * i);
        val.add(Math.sin(i) * 1e3);
      }
      records.add(Gradient.newBuilder(gradient()).setStep(n + 1).setGradient(new NumericVector(2 * n + 1, idx, val)).build());
    }
    BinaryMessageEncoder<Gradient> avro = Gradient.getEncoder();
    AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Boolean>> same = new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        Gradient r = records.get(t % records.size());
        same.add(pool.submit(() -> Arrays.equals(codec.encode(r), avro.encode(r).array()) && codec.decode(codec.encode(r)).equals(r)));
      }
      for (var f : same) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aRecordThatFailsHalfWrittenLeavesNothingInTheNextOne() throws Exception {
    // a metric without a value fails after the fields before it were buffered; they must not reach the next message
    AvroCodec<ParameterUpdate> codec = AvroCodec.of(ParameterUpdate.class);
    java.util.Map<String, Double> broken = new java.util.HashMap<>();
    broken.put("loss", null);
    ParameterUpdate good = ParameterUpdate.newBuilder().setModelId("m1").setVersion(3).setStep(3)
        .setValues(io.convexstream.schemas.publication.PackedVectors.dense(new double[] {1, 2}, 0, 2))
        .setMetrics(java.util.Map.of("updates", 3.0)).setEventTime(T0).setRunEpoch(1).build();
    ParameterUpdate bad = ParameterUpdate.newBuilder(good).setMetrics(broken).build();
    assertThatThrownBy(() -> codec.encode(bad)).isInstanceOf(IllegalArgumentException.class);
    assertThat(codec.encode(good)).isEqualTo(ParameterUpdate.getEncoder().encode(good).array());
  }

  @Test
  void catalogueCoversEveryGeneratedTopicType() {
    assertThat(SchemaCatalog.RECORD_TYPES).hasSize(15);
    for (var type : SchemaCatalog.RECORD_TYPES) {
      Schema s = SchemaCatalog.schemaOf(type);
      assertThat(SchemaCatalog.store().findByFingerprint(SchemaNormalization.parsingFingerprint64(s)))
          .as(type.getSimpleName())
          .isEqualTo(s);
      // every field is documented
      s.getFields().forEach(f -> assertThat(f.doc()).as(type.getSimpleName() + "." + f.name()).isNotBlank());
    }
  }

  @Test
  void olderWriterSchemaDecodesWithNewerReader() throws Exception {
    Schema v0 = SchemaCatalog.historicalSchemas().stream()
        .filter(s -> s.getName().equals("ParameterUpdate") && s.getField("metrics") == null)
        .findFirst()
        .orElseThrow();
    GenericRecord vec = new GenericData.Record(v0.getField("parameters").schema());
    vec.put("dim", 2);
    vec.put("indices", null);
    vec.put("values", List.of(0.25, -1.5));
    GenericRecord old = new GenericData.Record(v0);
    old.put("modelId", "legacy");
    old.put("version", 3L);
    old.put("step", 9L);
    old.put("parameters", vec);
    old.put("eventTime", T0.toEpochMilli());
    ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0).encode(old);
    byte[] bytes = Arrays.copyOfRange(buf.array(), buf.position(), buf.limit());

    ParameterUpdate decoded = AvroCodec.of(ParameterUpdate.class).decode(bytes);

    assertThat(decoded.getModelId()).isEqualTo("legacy");
    assertThat(decoded.getVersion()).isEqualTo(3L);
    assertThat(decoded.getParameters().getValues()).containsExactly(0.25, -1.5);
    assertThat(decoded.getMetrics()).isEmpty(); // the field added later takes its default
    assertThat(decoded.getEventTime()).isEqualTo(T0);
  }

  @Test
  void badBytesGiveReadableReasons() {
    AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
    assertThatThrownBy(() -> codec.decode("hello".getBytes()))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining("not an Avro single-object message");

    byte[] good = codec.encode(gradient());
    byte[] unknown = good.clone();
    unknown[5] ^= 0x5A; // corrupt the fingerprint
    assertThatThrownBy(() -> codec.decode(unknown))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining("unknown schema fingerprint");

    byte[] truncated = Arrays.copyOf(good, good.length - 6);
    assertThatThrownBy(() -> codec.decode(truncated))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining("malformed Gradient body");

    assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(DecodeException.class);
  }

  @Test
  void reasonsNameOtherFramingsAndShowFingerprintsAsOnTheWire() {
    AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
    byte[] good = codec.encode(gradient());
    String wire = String.format("%016x", Long.reverseBytes(SchemaNormalization.parsingFingerprint64(Gradient.getClassSchema())));
    byte[] unknown = good.clone();
    unknown[9] ^= 0x01;
    assertThatThrownBy(() -> codec.decode(unknown)).hasMessageStartingWith("unknown schema fingerprint: " + wire.substring(0, 14))
        .hasMessageContaining("the current Gradient schema's is " + wire);
    byte[] confluent = new byte[good.length - 5];
    confluent[0] = 0;
    confluent[4] = 42; // schema id 42, then an Avro body
    assertThatThrownBy(() -> codec.decode(confluent))
        .hasMessageStartingWith("not an Avro single-object message: it looks like a Confluent Schema Registry record (magic byte 0, schema id 42)");
    assertThatThrownBy(() -> codec.decode("[1, 2]".getBytes()))
        .hasMessageStartingWith("not an Avro single-object message: it looks like a JSON array ([1, 2])");
    assertThatThrownBy(() -> codec.decode("hello".getBytes()))
        .hasMessageStartingWith("not an Avro single-object message: it looks like plain text (hello)");
    assertThatThrownBy(() -> codec.decode(new byte[] {(byte) 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
        .hasMessage("not an Avro single-object message: Unrecognized header bytes: 0x80 0x01");
  }

  @Test
  void jsonObjectsAreReadAsAvrosJsonEncoding() {
    AvroCodec<Gradient> codec = AvroCodec.of(Gradient.class);
    String json = codec.encodeJson(gradient());
    assertThat(json).doesNotContain("\n").contains("\"loss\":{\"double\":1.25}").contains("\"eventTime\":1700000000123");
    assertThat(codec.decode(json.getBytes())).isEqualTo(gradient());
    assertThat(codec.decode(("  \n" + json).getBytes())).isEqualTo(gradient());

    // what a person types: fields with defaults may be left out
    String typed = "{\"modelId\": \"m1\", \"step\": 7, \"producerId\": \"w0\", \"gradient\": {\"dim\": 5, "
        + "\"indices\": {\"array\": [1, 3]}, \"values\": [0.5, -2.0]}, \"loss\": {\"double\": 1.25}, \"eventTime\": 1700000000123}";
    assertThat(codec.decode(typed.getBytes())).isEqualTo(gradient());

    // non-finite numbers get through decoding (as Avro's JSON encoder writes them), so validation names them
    Gradient nan = gradient();
    nan.getGradient().setValues(List.of(Double.NaN, Double.POSITIVE_INFINITY));
    assertThat(codec.decode(codec.encodeJson(nan).getBytes()).getGradient().getValues()).containsExactly(Double.NaN, Double.POSITIVE_INFINITY);
    assertThat(codec.decode(typed.replace("[0.5, -2.0]", "[NaN, -Infinity]").getBytes()).getGradient().getValues())
        .containsExactly(Double.NaN, Double.NEGATIVE_INFINITY);

    assertThatThrownBy(() -> codec.decode("{\"modelId\": \"m\", \"step\": 1}".getBytes()))
        .isInstanceOf(DecodeException.class).hasMessageStartingWith("malformed Gradient JSON");
    assertThatThrownBy(() -> codec.decode(typed.replace("{\"double\": 1.25}", "1.25").getBytes()))
        .isInstanceOf(DecodeException.class).hasMessageStartingWith("malformed Gradient JSON")
        .hasMessageContaining("loss: expected a union value of [null, double]");
    assertThatThrownBy(() -> codec.decode(typed.replace("[0.5, -2.0]", "[0.5, \"x\"]").getBytes()))
        .hasMessageContaining("gradient.values[1]: expected a double, got \"x\"");
    assertThatThrownBy(() -> codec.decode("{\"modelId\": ".getBytes())).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> codec.decode(typed.replace("\"loss\"", "\"los\"").getBytes()))
        .hasMessageContaining("los: no such field in Gradient (fields: [modelId, step, producerId, gradient, loss, comparatorLoss, eventTime])");
  }

  @Test
  void messageOfAnotherTypeIsRejected() {
    byte[] tick = AvroCodec.of(MarketTick.class).encode(new MarketTick("X", T0, 1.0, 0.0));
    assertThatThrownBy(() -> AvroCodec.of(Gradient.class).decode(tick)).isInstanceOf(DecodeException.class);
  }

  @Test
  void kafkaSerdeAndCodecShareTheWireFormat() {
    AvroSerde<Gradient> serde = new AvroSerde<>(Gradient.class);
    byte[] viaKafka = serde.serializer().serialize("t", gradient());
    assertThat(AvroCodec.of(Gradient.class).encode(gradient())).isEqualTo(viaKafka);
    assertThat(AvroCodec.of(Gradient.class).decode(viaKafka)).isEqualTo(gradient());
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void deadLetterCarriesRawBytes() {
    DeadLetter dl = DeadLetter.newBuilder()
        .setSourceTopic("t").setPartition(2).setOffset(42)
        .setKey(ByteBuffer.wrap(new byte[] {1})).setValue(ByteBuffer.wrap(new byte[] {9, 8}))
        .setStage("decode").setReason("why").setJob("j").setEventTime(T0).build();
    AvroCodec<DeadLetter> codec = AvroCodec.of(DeadLetter.class);
    assertThat(codec.decode(codec.encode(dl))).isEqualTo(dl);
  }
}
