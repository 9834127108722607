package io.convexstream.flink.portfolio;

import io.convexstream.flink.DeadLetters;
import io.convexstream.connectors.flink.Decoded;
import io.convexstream.flink.OperatorMetrics;
import io.convexstream.flink.portfolio.PriceReading;
import io.convexstream.schemas.codec.AvroCodec;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each market-data record to every portfolio whose universe holds its asset (keyed by
 * portfolio id downstream); a record of an asset in no portfolio is dead-lettered.
 */
public final class PortfolioRouter<T extends SpecificRecord> extends ProcessFunction<Decoded<T>, Tuple2<String, Decoded<T>>> {
  private static final long serialVersionUID = 1L;
  private final String job;
  private final List<PortfolioSettings> portfolios;
  private final PriceReading<T> reading;
  private transient AvroCodec<T> codec;
  private transient OperatorMetrics metrics;

  public PortfolioRouter(String job, List<PortfolioSettings> portfolios, PriceReading<T> reading) {
    this.job = job;
    this.portfolios = List.copyOf(portfolios);
    this.reading = reading;
  }

  @Override
  public void open(OpenContext ctx) {
    codec = AvroCodec.of(reading.type());
    metrics = OperatorMetrics.register(getRuntimeContext());
  }

  @Override
  public void processElement(Decoded<T> in, Context ctx, Collector<Tuple2<String, Decoded<T>>> out) {
    long start = System.nanoTime();
    String asset = reading.asset(in.value);
    boolean routed = false;
    for (PortfolioSettings p : portfolios) {
      if (p.assets().contains(asset)) {
        out.collect(Tuple2.of(p.id(), in));
        routed = true;
      }
    }
    if (routed) {
      metrics.applied(start);
    } else {
      metrics.deadLettered();
      ctx.output(DeadLetters.TAG, DeadLetters.of(in, codec, DeadLetters.APPLY,
          "asset " + asset + " is in no portfolio (" + portfolios.stream().map(PortfolioSettings::id).toList() + ")", job));
    }
  }
}
