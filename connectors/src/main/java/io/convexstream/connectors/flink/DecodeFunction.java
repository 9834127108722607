package io.convexstream.connectors.flink;

import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.codec.AvroCodec;
import io.convexstream.schemas.codec.DecodeException;
import java.io.Serializable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes raw Kafka records into {@code T} and checks them on their own; anything undecodable or
 * invalid goes to {@link DeadLetters#TAG} with the reason; passed records count as applied. Never throws on
 * input data.
 */
public final class DecodeFunction<T extends SpecificRecord> extends ProcessFunction<RawRecord, Decoded<T>> {
  private static final long serialVersionUID = 1L;

  /** A stateless check of a decoded record: a readable reason, or null when it is valid. */
  @FunctionalInterface
  public interface Check<T> extends Serializable {
    String problem(T record);
  }

  private final AvroCodec<T> codec;
  private final Class<T> type;
  private final Check<T> check;
  private final String job;
  private transient OperatorMetrics metrics;

  public DecodeFunction(Class<T> type, Check<T> check, String job) {
    this.codec = AvroCodec.of(type);
    this.type = type;
    this.check = check;
    this.job = job;
  }

  @Override
  public void open(OpenContext ctx) {
    metrics = OperatorMetrics.register(getRuntimeContext());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<Decoded<T>> out) {
    long start = System.nanoTime();
    T value = DecodeHandoff.take(raw, type); // decoded already by an event-time source chained before
    try {
      if (value == null) {
        value = codec.decode(raw.value);
      }
    } catch (DecodeException e) {
      reject(ctx, DeadLetters.of(raw, DeadLetters.DECODE, e.getMessage(), job));
      return;
    } catch (RuntimeException e) { // defensive: no input may fail the job
      reject(ctx, DeadLetters.of(raw, DeadLetters.DECODE, "cannot decode: " + e, job));
      return;
    }
    String problem;
    try {
      problem = check.problem(value);
    } catch (RuntimeException e) {
      problem = "invalid record: " + e;
    }
    if (problem != null) {
      reject(ctx, DeadLetters.of(raw, DeadLetters.VALIDATE, problem, job));
      return;
    }
    metrics.applied(start);
    out.collect(new Decoded<>(value, raw));
  }

  private void reject(Context ctx, io.convexstream.schemas.DeadLetter dl) {
    metrics.deadLettered();
    ctx.output(DeadLetters.TAG, dl);
  }
}
