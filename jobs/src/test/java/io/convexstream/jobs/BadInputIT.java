package io.convexstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.flink.OperatorMetrics;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.validate.RecordChecks;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzing every source, and the conservation law. Each job runs (unbounded, parallelism 2) over
 * thousands of records: random byte strings, valid encodings with bytes flipped, encodings under
 * an unknown schema fingerprint, and records of the right schema with random field values (NaN,
 * infinities, negative or huge counts and dimensions, unknown ids, steps and times out of order),
 * in binary and in Avro's JSON encoding (whole or with bytes flipped).
 * The job must keep running without a single restart, and every record must be accounted for:
 * records in (counted in Kafka) = applied by the job's last operator + dead-lettered by any
 * operator (counted from the operators' metrics through the REST API), and the dead letters in
 * Kafka must number exactly what the metrics say.
 */
class BadInputIT {
  @RegisterExtension
  static final LocalStack STACK = new LocalStack(6);

  /** A source under test: the job, its options, and the operator whose applied count ends the pipeline. */
  record Source(String name, StreamJob job, Topic topic, Map<String, String> options, String lastOperator) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Source> sources() {
    return Stream.of(
        new Source("gradients", LearnerJob.gradients(), Topic.GRADIENTS,
            Map.of("learner", "oomd", "gapTimeoutMs", "100", "maxBufferedSteps", "50", "autoCreate", "false", "models", "a,b,m"), "learners-"),
        new Source("examples", LearnerJob.examples(), Topic.EXAMPLES,
            Map.of("learner", "ogd", "gapTimeoutMs", "100", "loss", "logistic"), "learners-"),
        new Source("router-loads", BalancerJob.loadReports(), Topic.ROUTER_LOADS, Map.of("stepTimeoutMs", "100"), "alf-lb-balancer"),
        new Source("router-scores", BalancerJob.scoreBatches(), Topic.ROUTER_SCORES,
            Map.of("stepTimeoutMs", "100", "topK", "2"), "alf-lb-balancer"),
        new Source("market-bars", new PortfolioJob(), Topic.MARKET_BARS,
            Map.of("portfolio.id", "p", "portfolio.assets", "a,b,S0", "portfolio.strategies", "ucrp,olmar1,ons,corn"), "portfolio-strategies"),
        new Source("market-ticks", new PortfolioJob(), Topic.MARKET_TICKS,
            Map.of("market.input", "ticks", "portfolio.id", "p", "portfolio.assets", "a,b,S0", "portfolio.strategies", "eg,pamr"),
            "portfolio-strategies"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sources")
  void randomInputIsAppliedOrDeadLetteredAndTheJobKeepsRunning(Source source) throws Exception {
    String bootstrap = STACK.bootstrap();
    Map<TopicPartition, Long> deadFrom = TopicClient.endOffsets(bootstrap, Topic.DEAD_LETTERS);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Jobs.prepare(env, source.job(), new JobSettings(bootstrap, "fuzz-" + source.name(), false, DeliveryGuarantee.EXACTLY_ONCE,
        Duration.ofMillis(500), 2, source.options()));
    JobID id = STACK.flink().submit(env, "fuzz-" + source.name());
    STACK.flink().awaitRunning(id, 60_000);

    Map<TopicPartition, Long> inFrom = TopicClient.endOffsets(bootstrap, source.topic());
    sendFuzz(bootstrap, source.topic(), new SplittableRandom(source.name().hashCode()), 3000);
    // records in, counted in Kafka: how far the input topic's partitions grew
    long sent = TopicClient.endOffsets(bootstrap, source.topic()).entrySet().stream().mapToLong(e -> e.getValue() - inFrom.get(e.getKey())).sum();

    // conservation, from metrics: wait until everything is accounted for (waiting steps time out)
    long deadline = System.currentTimeMillis() + 120_000;
    double applied = 0;
    double deadLettered = 0;
    while (System.currentTimeMillis() < deadline && STACK.flink().restarts(id) == 0 && !STACK.flink().status(id).isGloballyTerminalState()) {
      applied = STACK.flink().operatorMetric(id, source.lastOperator(), OperatorMetrics.APPLIED);
      deadLettered = STACK.flink().operatorMetric(id, "", OperatorMetrics.DEAD_LETTERED);
      if (applied + deadLettered >= sent) {
        break;
      }
      Thread.sleep(250);
    }
    assertThat(STACK.flink().restarts(id)).as("restarts; failures: %s", STACK.flink().rest("/jobs/" + id + "/exceptions")).isZero();
    assertThat(STACK.flink().status(id).isGloballyTerminalState()).as("job ended: %s", STACK.flink().status(id)).isFalse();
    assertThat((long) (applied + deadLettered)).as("applied %s + dead-lettered %s", applied, deadLettered).isEqualTo(sent);
    assertThat(applied).as("some records are valid and applied").isPositive();
    assertThat(deadLettered).as("most fuzz is rejected").isGreaterThan(sent / 2.0);

    // the dead-letter topic holds exactly as many (committed with the next checkpoint)
    long inKafka = 0;
    long waitKafka = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < waitKafka) {
      inKafka = OutputTopics.deadLetters(bootstrap, source.topic(), deadFrom).values().stream().mapToLong(List::size).sum();
      if (inKafka >= deadLettered) {
        break;
      }
      Thread.sleep(250);
    }
    assertThat(inKafka).as("dead letters in Kafka").isEqualTo((long) deadLettered);
    System.out.printf("fuzz %s: %d records in = %.0f applied + %.0f dead-lettered (%d in Kafka)%n", source.name(), sent, applied,
        deadLettered, inKafka);
    STACK.flink().cancel(id);
  }

  /** Sends {@code n} records of every kind of damage, plus valid ones. */
  private static void sendFuzz(String bootstrap, Topic topic, SplittableRandom r, int n) {
    Schema schema = AvroSchemas.of(topic);
    BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
    try (TopicClient kafka = new TopicClient(bootstrap)) {
      for (int i = 0; i < n; i++) {
        byte[] value = switch (r.nextInt(7)) {
          case 0 -> randomBytes(r, r.nextInt(80));
          case 5 -> json(schema, randomRecord(schema, r, true)); // Avro's JSON encoding, as kcat -P would send it
          case 6 -> flip(r, json(schema, randomRecord(schema, r, r.nextBoolean())));
          case 1 -> flip(r, encode(encoder, randomRecord(schema, r, false)));
          case 2 -> unknownFingerprint(r, encode(encoder, randomRecord(schema, r, false)));
          case 3 -> encode(encoder, randomRecord(schema, r, false));
          default -> encode(encoder, randomRecord(schema, r, true));
        };
        kafka.sendRaw(topic, KEYS.get(r.nextInt(KEYS.size())), value);
      }
      kafka.flush();
    }
  }

  private static final List<String> KEYS = List.of("a", "b", "m", "m/0", "m/1", "S0", "zz", "");
  private static final List<String> STRINGS = List.of("a", "b", "m", "S0", "w", "", "unknown", "\u00e9\u00e9");

  /** A record of the schema with random values; {@code plausible} keeps them mostly in range. */
  private static GenericRecord randomRecord(Schema schema, SplittableRandom r, boolean plausible) {
    GenericRecord rec = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      rec.put(f.pos(), randomValue(f.schema(), r, plausible));
    }
    if (plausible) {
      consistentShapes(rec, r);
    }
    return rec;
  }

  /**
   * Plausible records keep their shapes consistent most of the time (a dense vector's dim is its
   * length, a score matrix has numTokens x numExperts entries), so they reach the operators' update
   * paths, where their random values (including huge ones) are what is being tried.
   */
  private static void consistentShapes(GenericRecord rec, SplittableRandom r) {
    if (r.nextInt(4) == 0) {
      return;
    }
    Schema schema = rec.getSchema();
    if (schema.getField("dim") != null && schema.getField("values") != null) {
      rec.put("dim", ((List<?>) rec.get("values")).size());
      rec.put("indices", null);
    }
    if (schema.getField("numTokens") != null && schema.getField("numExperts") != null && schema.getField("scores") != null) {
      int experts = r.nextInt(1, 5);
      int tokens = r.nextInt(0, 6);
      List<Object> scores = new ArrayList<>();
      for (int k = 0; k < experts * tokens; k++) {
        scores.add((float) r.nextGaussian());
      }
      rec.put("numExperts", experts);
      rec.put("numTokens", tokens);
      rec.put("scores", new GenericData.Array<>(schema.getField("scores").schema(), scores));
    }
    if (schema.getField("expectedRanks") != null && schema.getField("rank") != null) {
      rec.put("expectedRanks", r.nextInt(1, 4));
      rec.put("rank", r.nextInt((int) rec.get("expectedRanks")));
    }
    for (Schema.Field f : schema.getFields()) {
      if (f.schema().getType() == Schema.Type.RECORD) {
        consistentShapes((GenericRecord) rec.get(f.pos()), r);
      }
    }
  }

  private static Object randomValue(Schema s, SplittableRandom r, boolean plausible) {
    return switch (s.getType()) {
      case STRING -> STRINGS.get(r.nextInt(plausible ? 4 : STRINGS.size()));
      case INT -> plausible ? r.nextInt(4) : pick(r, -1, 0, 1, 2, 3, 8, 1_000, RecordChecks.MAX_DIM + 1, Integer.MAX_VALUE, Integer.MIN_VALUE);
      case LONG -> plausible ? (long) r.nextInt(1, 200) : pickLong(r, -1L, 0L, 1L, 2L, 50L, 1_000_000L, Long.MAX_VALUE, Long.MIN_VALUE,
          1_700_000_000_000L);
      case FLOAT -> (float) randomDouble(r, plausible);
      case DOUBLE -> randomDouble(r, plausible);
      case BOOLEAN -> r.nextBoolean();
      case ARRAY -> {
        int len = plausible ? r.nextInt(1, 9) : r.nextInt(0, 40);
        List<Object> items = new ArrayList<>(len);
        for (int k = 0; k < len; k++) {
          items.add(randomValue(s.getElementType(), r, plausible));
        }
        yield new GenericData.Array<>(s, items);
      }
      case MAP -> {
        Map<String, Object> m = new HashMap<>();
        for (int k = r.nextInt(3); k > 0; k--) {
          m.put(STRINGS.get(r.nextInt(STRINGS.size())), randomValue(s.getValueType(), r, plausible));
        }
        yield m;
      }
      case UNION -> randomValue(s.getTypes().get(r.nextInt(s.getTypes().size())), r, plausible);
      case NULL -> null;
      case RECORD -> randomRecord(s, r, plausible);
      case ENUM -> new GenericData.EnumSymbol(s, s.getEnumSymbols().get(r.nextInt(s.getEnumSymbols().size())));
      case BYTES -> ByteBuffer.wrap(randomBytes(r, r.nextInt(8)));
      case FIXED -> new GenericData.Fixed(s, randomBytes(r, s.getFixedSize()));
    };
  }

  private static double randomDouble(SplittableRandom r, boolean plausible) {
    if (plausible) {
      return r.nextInt(50) == 0 ? 1e300 : 0.5 + r.nextDouble(); // huge but finite: e.g. a gradient that would overflow
    }
    return switch (r.nextInt(7)) {
      case 0 -> Double.NaN;
      case 1 -> Double.POSITIVE_INFINITY;
      case 2 -> Double.NEGATIVE_INFINITY;
      case 3 -> 0.0;
      case 4 -> -r.nextDouble();
      case 5 -> 1e300;
      default -> r.nextGaussian();
    };
  }

  private static int pick(SplittableRandom r, int... values) {
    return values[r.nextInt(values.length)];
  }

  private static long pickLong(SplittableRandom r, long... values) {
    return values[r.nextInt(values.length)];
  }

  private static byte[] encode(BinaryMessageEncoder<GenericRecord> encoder, GenericRecord rec) {
    try {
      ByteBuffer b = encoder.encode(rec);
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] json(Schema schema, GenericRecord rec) {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      org.apache.avro.io.JsonEncoder encoder = org.apache.avro.io.EncoderFactory.get().jsonEncoder(schema, out);
      new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(schema).write(rec, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] randomBytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static byte[] flip(SplittableRandom r, byte[] b) {
    for (int k = r.nextInt(1, 4); k > 0 && b.length > 0; k--) {
      b[r.nextInt(b.length)] ^= (byte) r.nextInt(1, 256);
    }
    return b;
  }

  private static byte[] unknownFingerprint(SplittableRandom r, byte[] b) {
    for (int i = 2; i < 10 && i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  /** The writer schema of a topic's record type. */
  private static final class AvroSchemas {
    static Schema of(Topic t) {
      try {
        return (Schema) t.recordType().getField("SCHEMA$").get(null);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
