package io.convexstream.flink;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.schemas.codec.AvroCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A keyed function over decoded records that no record can fail: a record it refuses, or one that
 * throws while it is read, goes to {@link DeadLetters#TAG} with the reason, counted in {@link
 * OperatorMetrics}, and the job goes on. Subclasses read their state in {@link #open} after this
 * class has set up {@link #codec} and {@link #metrics}.
 *
 * @param <IN> what the function receives: a decoded record, or one with its routing
 * @param <T> the record's type
 */
public abstract class DeadLetteringFunction<IN, T extends SpecificRecord, OUT> extends KeyedProcessFunction<String, IN, OUT> {
  private static final long serialVersionUID = 1L;

  /** The job's name, in every dead letter. */
  protected final String job;
  /** The record's type. */
  protected final Class<T> type;
  protected transient AvroCodec<T> codec;
  protected transient OperatorMetrics metrics;

  protected DeadLetteringFunction(String job, Class<T> type) {
    this.job = job;
    this.type = type;
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    codec = AvroCodec.of(type);
    metrics = OperatorMetrics.register(getRuntimeContext());
  }

  @Override
  public final void processElement(IN in, Context ctx, Collector<OUT> out) throws Exception {
    try {
      process(in, ctx, out);
    } catch (RuntimeException e) { // the subclass changes nothing before a record's fields are read and checked
      reject(decoded(in), ctx, failedWhile() + e, false);
    }
  }

  /** Handles one record; a RuntimeException dead-letters it. */
  protected abstract void process(IN in, Context ctx, Collector<OUT> out) throws Exception;

  /** The decoded record {@code in} carries. */
  protected abstract Decoded<T> decoded(IN in);

  /** Dead-letters {@code in} with {@code reason}; {@code late}: it came after what it belongs to was closed. */
  protected final void reject(Decoded<T> in, Context ctx, String reason, boolean late) {
    if (late) {
      metrics.lateAndDeadLettered();
    } else {
      metrics.deadLettered();
    }
    ctx.output(DeadLetters.TAG, DeadLetters.of(in, codec, DeadLetters.APPLY, reason, job));
  }

  /** How a dead letter names a record that threw in {@link #process}. */
  protected String failedWhile() {
    return "internal error reading the record: ";
  }
}
