package io.convexstream.flink.portfolio;

import io.convexstream.schemas.MarketBar;
import io.convexstream.schemas.MarketTick;
import io.convexstream.schemas.validate.RecordChecks;
import java.io.Serializable;
import org.apache.avro.specific.SpecificRecord;

/** What the portfolio pipeline reads from a market-data record: asset, event time and price, once it passes its check. */
public interface PriceReading<T extends SpecificRecord> extends Serializable {
  Class<T> type();

  /** "bar" or "tick", for messages. */
  String kind();

  String asset(T record);

  long timeMillis(T record);

  double price(T record);

  /**
   * Up to when (event time, ms) the record's asset has reported: a bar covers its whole interval,
   * so its end; a tick at τ says nothing earlier than τ − outOfOrderMs is still to come.
   */
  long reportedThrough(T record, long outOfOrderMillis);

  /** Why the record cannot be used (the record checks of its type), or null. */
  String problem(T record);

  /** Bars: the bar's start places it in a period, its close is the price, its end says the asset has reported up to there. */
  PriceReading<MarketBar> BARS = new Bars();
  /** Ticks: the tick's time places it in a period, the last tick of a period is its close. */
  PriceReading<MarketTick> TICKS = new Ticks();

  final class Bars implements PriceReading<MarketBar> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<MarketBar> type() {
      return MarketBar.class;
    }

    @Override
    public String kind() {
      return "bar";
    }

    @Override
    public String asset(MarketBar r) {
      return r.getAsset();
    }

    @Override
    public long timeMillis(MarketBar r) {
      return r.getEventTime().toEpochMilli();
    }

    @Override
    public double price(MarketBar r) {
      return r.getClose();
    }

    @Override
    public long reportedThrough(MarketBar r, long outOfOrderMillis) {
      return r.getEndTime().toEpochMilli();
    }

    @Override
    public String problem(MarketBar r) {
      return RecordChecks.barProblem(r);
    }
  }

  final class Ticks implements PriceReading<MarketTick> {
    private static final long serialVersionUID = 1L;

    @Override
    public Class<MarketTick> type() {
      return MarketTick.class;
    }

    @Override
    public String kind() {
      return "tick";
    }

    @Override
    public String asset(MarketTick r) {
      return r.getAsset();
    }

    @Override
    public long timeMillis(MarketTick r) {
      return r.getEventTime().toEpochMilli();
    }

    @Override
    public double price(MarketTick r) {
      return r.getPrice();
    }

    @Override
    public long reportedThrough(MarketTick r, long outOfOrderMillis) {
      return r.getEventTime().toEpochMilli() - outOfOrderMillis;
    }

    @Override
    public String problem(MarketTick r) {
      return RecordChecks.tickProblem(r);
    }
  }
}
