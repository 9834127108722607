package io.convexstream.flink.portfolio;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.portfolio.Backtest;
import io.convexstream.core.portfolio.PeriodClosing;
import io.convexstream.core.portfolio.PeriodPrices;
import io.convexstream.core.portfolio.PortfolioStrategy;
import io.convexstream.flink.DeadLetteringFunction;
import io.convexstream.schemas.PortfolioDecision;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Market data (bars or ticks, routed by {@link PortfolioRouter} and keyed by portfolio id) →
 * per-period closing prices → price relatives → every strategy of the portfolio. A period (event
 * time) closes at the first of:
 * <ul>
 *   <li>every asset of the portfolio has reported it: a bar ending at or after the period's end, or a
 *       tick at or after end + outOfOrderMs ({@link PriceReading#reportedThrough}) — no waiting for
 *       the next period, other partitions or other portfolios' assets;
 *   <li>the halt time: some asset has reported the period and the ones that have not have been silent
 *       (no reading arrived) for haltMs of processing time while this job ran — halted: a live feed's
 *       notion, so a replay whose partitions run at different speeds never sees a halt that was not
 *       there (off by default);
 *   <li>the watermark passes its end (all input partitions' event time, less outOfOrderMs; the end of
 *       a bounded input);
 *   <li>the end-of-feed timeout (below).
 * </ul>
 * Its close for an asset is the latest-timed reading in it; an asset without one carries its last
 * price and is named in the decision's {@code carriedAssets}; the first period in which every asset
 * has a price sets p_0. For each closed period t it publishes every strategy's weights
 * b_{t+1}, wealth S_t and return s_t — the same objects and arithmetic as {@code convexstream
 * backtest}, so the weights agree bit for bit. Readings of closed periods, of unknown portfolios and
 * of assets outside the portfolio are dead-lettered.
 *
 * <p>With an end-of-feed timeout, a portfolio whose feed has been silent that long (processing
 * time) closes every open period, the current one included, as if the watermark had passed them:
 * a live feed that stops still gets its last decision. Off by default, since closing by wall time
 * makes a replay's last period depend on how fast it ran; a bounded input closes all at its end.
 *
 * <p>Both silences are measured in the job's running time: after a restore, silence counts from when
 * this instance started, not from the last reading before the stop or crash, so the job's own
 * downtime never halts an asset or ends a feed (the readings published meanwhile wait in Kafka and
 * arrive as soon as the job reads again).
 */
public final class PortfolioFunction<T extends SpecificRecord> extends DeadLetteringFunction<Tuple2<String, Decoded<T>>, T, PortfolioDecision> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PortfolioFunction.class);
  private final Map<String, PortfolioSettings> portfolios = new LinkedHashMap<>();
  private final PriceReading<T> reading;
  private final long endOfFeedMillis;
  private final long outOfOrderMillis;
  private final long haltMillis; // 0: no halts
  private transient ValueState<PortfolioState> state;
  private transient MapState<Long, double[]> pending;
  private transient ValueState<Long> lastReadingMillis; // processing time of the portfolio's last reading
  private transient ValueState<Long> feedTimer; // the end-of-feed timer set, if any
  private transient ValueState<long[]> reported; // per asset: event time up to which it has reported
  private transient ValueState<long[]> arrived; // per asset: processing time of its last reading (with a halt time)
  private transient ValueState<Long> haltTimer; // the halt timer set, if any
  private transient Counter periods;
  private transient Counter carried;
  /** Processing time at which this instance first saw the clock: silence before it is the job's downtime, not the feed's. */
  private transient long resumedAt;

  public PortfolioFunction(String job, List<PortfolioSettings> portfolios, PriceReading<T> reading) {
    this(job, portfolios, reading, 0, 0, 0);
  }

  /**
   * {@code endOfFeedMillis}: close every open period after this long without a reading (0: never);
   * {@code outOfOrderMillis}: how far ticks may come out of order; {@code haltMillis}: carry an asset
   * silent this long (processing time) once another has reported the period (0: never).
   */
  public PortfolioFunction(String job, List<PortfolioSettings> portfolios, PriceReading<T> reading, long endOfFeedMillis,
      long outOfOrderMillis, long haltMillis) {
    super(job, reading.type());
    for (var o : Map.of("endOfFeedMs", endOfFeedMillis, "outOfOrderMs", outOfOrderMillis, "haltMs", haltMillis).entrySet()) {
      if (o.getValue() < 0) {
        throw new IllegalArgumentException(o.getKey() + " must be ≥ 0");
      }
    }
    this.endOfFeedMillis = endOfFeedMillis;
    this.outOfOrderMillis = outOfOrderMillis;
    this.haltMillis = haltMillis;
    for (PortfolioSettings p : portfolios) {
      if (this.portfolios.put(p.id(), p) != null) {
        throw new IllegalArgumentException("portfolio " + p.id() + " is defined twice");
      }
    }
    this.reading = reading;
  }

  /**
   * What the function keeps per strategy: the strategy and the cost-aware wealth tracker ({@link
   * PortfolioRunners} keeps them in state; this class name is in every savepoint of the job).
   */
  record Runner(PortfolioStrategy strategy, Backtest backtest) implements java.io.Serializable {}

  @Override
  public void open(OpenContext ctx) throws Exception {
    super.open(ctx);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("portfolio", PortfolioState.class));
    // per open period: PeriodPrices.open (the m closing prices so far, then their event times)
    pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-periods", Types.LONG,
        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
    lastReadingMillis = getRuntimeContext().getState(new ValueStateDescriptor<>("last-reading-ms", Types.LONG));
    feedTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("end-of-feed-timer", Types.LONG));
    reported = getRuntimeContext().getState(new ValueStateDescriptor<>("reported-through",
        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    arrived = getRuntimeContext().getState(new ValueStateDescriptor<>("last-arrival-ms", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    haltTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("halt-timer", Types.LONG));
    metrics.trackOutputs();
    periods = metrics.group().counter("closedPeriods");
    carried = metrics.group().counter("carriedPrices");
    resumedAt = Long.MIN_VALUE;
  }

  /** The processing time {@code now}, after which (not before) this instance has been running. */
  private long runningSince(long now) {
    if (resumedAt == Long.MIN_VALUE) {
      resumedAt = now; // a restored timer fires, or the first reading arrives, as the instance starts
    }
    return resumedAt;
  }

  /** When the last reading came, as far as silence is concerned: not before this instance started. */
  private long heardAt(long lastReading, long now) {
    return Math.max(lastReading, runningSince(now));
  }

  @Override
  protected void process(Tuple2<String, Decoded<T>> routed, Context ctx, Collector<PortfolioDecision> out) throws Exception {
    long start = System.nanoTime();
    Decoded<T> in = routed.f1;
    PortfolioSettings settings = portfolios.get(ctx.getCurrentKey());
    String name = reading.asset(in.value);
    if (settings == null) {
      reject(in, ctx, "unknown portfolio " + ctx.getCurrentKey(), false);
      return;
    }
    int asset = settings.assets().indexOf(name);
    if (asset < 0) {
      reject(in, ctx, "asset " + name + " is not in portfolio " + settings.id(), false);
      return;
    }
    long time = reading.timeMillis(in.value);
    long period = settings.periodOf(time);
    PortfolioState s = state.value();
    if (s != null && period <= s.lastClosedPeriod) {
      // in the times and decision numbers users see (the internal period index counts from the epoch)
      long p = settings.periodMillis();
      reject(in, ctx, reading.kind() + " of " + name + " at " + Instant.ofEpochMilli(time) + " is late: its period, from "
          + Instant.ofEpochMilli(period * p) + ", is closed (closed up to " + Instant.ofEpochMilli((s.lastClosedPeriod + 1) * p)
          + (s.closes > 0 ? "; last decision published: period " + (s.closes - 1) : "") + ")", true);
      return;
    }
    double[] prices = pending.get(period);
    if (prices == null) {
      prices = PeriodPrices.open(settings.assets().size());
      ctx.timerService().registerEventTimeTimer(lastMillisecond(settings, period));
    }
    PeriodPrices.take(prices, asset, time, reading.price(in.value));
    pending.put(period, prices);
    long[] through = reported.value();
    if (through == null) {
      through = new long[settings.assets().size()];
      java.util.Arrays.fill(through, Long.MIN_VALUE);
    }
    through[asset] = Math.max(through[asset], reading.reportedThrough(in.value, outOfOrderMillis));
    reported.update(through);
    if (endOfFeedMillis > 0) {
      long now = ctx.timerService().currentProcessingTime();
      runningSince(now);
      lastReadingMillis.update(now);
      if (feedTimer.value() == null) { // one timer per quiet spell, not one per reading
        feedTimer.update(now + endOfFeedMillis);
        ctx.timerService().registerProcessingTimeTimer(now + endOfFeedMillis);
      }
    }
    metrics.applied(start);
    closeReported(settings, through, out);
    if (haltMillis > 0) {
      long now = ctx.timerService().currentProcessingTime();
      runningSince(now);
      long[] last = arrived.value();
      if (last == null) {
        last = new long[settings.assets().size()];
        java.util.Arrays.fill(last, now); // silence counts from the portfolio's first reading
      }
      last[asset] = now;
      arrived.update(last);
      if (haltTimer.value() == null && !pending.isEmpty()) {
        haltTimer.update(now + haltMillis);
        ctx.timerService().registerProcessingTimeTimer(now + haltMillis);
      }
    }
  }

  /** Closes, in order, the open periods every asset has reported: the reading just taken may complete one without any watermark. */
  private void closeReported(PortfolioSettings settings, long[] through, Collector<PortfolioDecision> out) throws Exception {
    long closable = PeriodClosing.reportedThroughByAll(through); // periods ending by then close
    PortfolioState s = state.value();
    long p = settings.periodMillis();
    if (s != null && s.lastClosedPeriod != Long.MIN_VALUE && (s.lastClosedPeriod + 2) * p > closable) {
      return; // the cheap common case: not even the next period can close
    }
    List<Long> open = openPeriods();
    for (long period : open) {
      if (!PeriodClosing.reportedByAll(through, (period + 1) * p)) {
        break;
      }
      closeAtEnd(settings, period, out);
    }
  }

  /** A period's event-time timer closes it (the watermark passed its end); the end-of-feed timer closes every open one. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PortfolioDecision> out) throws Exception {
    PortfolioSettings settings = portfolios.get(ctx.getCurrentKey());
    if (ctx.timeDomain() == org.apache.flink.streaming.api.TimeDomain.PROCESSING_TIME) {
      long now = ctx.timerService().currentProcessingTime(); // a timer restored after its time fires late
      if (Long.valueOf(timestamp).equals(haltTimer.value())) {
        halts(settings, now, ctx, out);
      }
      if (Long.valueOf(timestamp).equals(feedTimer.value())) {
        endOfFeed(settings, now, ctx, out);
      }
      return;
    }
    close(settings, settings.periodOf(timestamp), timestamp, out);
  }

  /** The open periods, oldest first. */
  private List<Long> openPeriods() throws Exception {
    List<Long> open = new ArrayList<>();
    pending.keys().forEach(open::add);
    java.util.Collections.sort(open);
    return open;
  }

  /** Closes {@code period} as its event-time timer would, stamped with its last millisecond. */
  private void closeAtEnd(PortfolioSettings settings, long period, Collector<PortfolioDecision> out) throws Exception {
    close(settings, period, lastMillisecond(settings, period), out);
  }

  /** The last millisecond of event time in {@code period}: its timer's time. */
  private static long lastMillisecond(PortfolioSettings settings, long period) {
    return (period + 1) * settings.periodMillis() - 1;
  }

  /**
   * The halt timer: the open periods, in order, that some asset has reported while every asset that
   * has not has been silent for the halt time close, those assets carried; at the first that cannot,
   * the timer moves to when its silent assets would be halted (or waits for the next reading).
   */
  private void halts(PortfolioSettings settings, long now, OnTimerContext ctx, Collector<PortfolioDecision> out) throws Exception {
    haltTimer.clear();
    long[] through = reported.value();
    long[] last = arrived.value();
    if (through == null || last == null) {
      return;
    }
    List<Long> open = openPeriods();
    long[] heard = new long[last.length];
    for (int i = 0; i < last.length; i++) {
      heard[i] = heardAt(last[i], now);
    }
    for (long period : open) {
      long haltAt = PeriodClosing.haltedAt(through, heard, (period + 1) * settings.periodMillis(), haltMillis);
      if (haltAt == Long.MAX_VALUE) {
        return; // the period is still going on: the next reading sets a new timer
      }
      if (haltAt > now) {
        haltTimer.update(haltAt);
        ctx.timerService().registerProcessingTimeTimer(haltAt);
        return;
      }
      closeAtEnd(settings, period, out);
    }
  }

  /** The end-of-feed timer: every open period closes once the feed has been silent long enough, else the timer moves on. */
  private void endOfFeed(PortfolioSettings settings, long now, OnTimerContext ctx, Collector<PortfolioDecision> out) throws Exception {
    Long reading = lastReadingMillis.value();
    long endedAt = PeriodClosing.feedEndedAt(heardAt(reading == null ? Long.MIN_VALUE : reading, now), endOfFeedMillis);
    if (endedAt > now) {
      feedTimer.update(endedAt);
      ctx.timerService().registerProcessingTimeTimer(endedAt);
      return;
    }
    feedTimer.clear();
    List<Long> open = openPeriods();
    for (long period : open) { // in order, each as its event-time timer would (those find nothing left to close)
      closeAtEnd(settings, period, out);
    }
  }

  /**
   * Closes a period. Its readings were applied when they came; if closing it fails (no single
   * record is to blame), the period closes without a decision, the failure is logged and counted
   * as an internal error, and later periods go on from the state before it.
   */
  private void close(PortfolioSettings settings, long period, long timestamp, Collector<PortfolioDecision> out) throws Exception {
    double[] prices = pending.get(period);
    if (prices == null) {
      return;
    }
    pending.remove(period);
    PortfolioState s = state.value();
    if (s == null) {
      s = new PortfolioState();
      s.lastClose = PeriodPrices.none(settings.assets().size());
      s.runEpoch = period * settings.periodMillis(); // a run without state closes later periods first
    }
    try {
      closePeriod(settings, period, prices, s, timestamp, out);
    } catch (RuntimeException e) {
      s.lastClosedPeriod = period;
      metrics.internalError();
      LOG.error("closing period {} of portfolio {} failed; no decision was published for it", period, settings.id(), e);
    }
    periods.inc();
    state.update(s);
  }

  private void closePeriod(PortfolioSettings settings, long period, double[] prices, PortfolioState s, long timestamp,
      Collector<PortfolioDecision> out) throws IOException, ClassNotFoundException {
    long start = System.nanoTime();
    double[] close = PeriodPrices.close(s.lastClose, prices);
    boolean complete = PeriodPrices.complete(close);
    List<String> carriedAssets = new ArrayList<>();
    for (int i = 0; i < close.length; i++) {
      if (Double.isNaN(prices[i]) && !Double.isNaN(close[i])) {
        carriedAssets.add(settings.assets().get(i));
      }
    }
    Instant end = Instant.ofEpochMilli(timestamp + 1);
    // the strategies step on copies; the state changes only once every decision is built
    List<PortfolioDecision> decisions = List.of();
    byte[] runnerBytes = s.runners;
    if (complete && s.closes == 0) {
      List<Runner> runners = PortfolioRunners.newRunners(settings);
      decisions = PortfolioRunners.decisions(settings, runners, 0, null, end, s.runEpoch, carriedAssets);
      runnerBytes = PortfolioRunners.serialize(runners); // after the decisions: the books keep what they decided to hold
    } else if (complete) {
      double[] x = settings.book().relatives(PeriodPrices.relatives(close, s.lastClose));
      List<Runner> runners = PortfolioRunners.deserialize(s.runners);
      double[] returns = new double[runners.size()];
      for (int k = 0; k < runners.size(); k++) {
        Runner r = runners.get(k);
        if (!r.backtest().decided()) { // state saved before books kept their decision: it was the strategy's weights
          r.backtest().decide(r.strategy().weights());
        }
        returns[k] = r.backtest().settle(x);
        r.strategy().observe(x, returns[k]);
      }
      decisions = PortfolioRunners.decisions(settings, runners, s.closes, returns, end, s.runEpoch, carriedAssets);
      runnerBytes = PortfolioRunners.serialize(runners);
      publishGauges(settings.id(), runners, returns);
    }
    s.runners = runnerBytes;
    if (complete) {
      s.closes++;
    }
    s.lastClose = close;
    s.lastClosedPeriod = period;
    decisions.forEach(out::collect);
    if (!decisions.isEmpty()) {
      carried.inc(carriedAssets.size());
      metrics.outputOf("portfolio", settings.id());
    }
    metrics.updateTook(start);
  }

  /** Per (portfolio, strategy or combiner) gauges, for the first few of them (bounded cardinality). */
  private void publishGauges(String portfolio, List<Runner> runners, double[] returns) {
    for (int k = 0; k < runners.size(); k++) {
      Backtest b = runners.get(k).backtest();
      String key = portfolio + "/" + runners.get(k).strategy().name();
      metrics.keyGauge("strategy", key, "wealth", b.wealth());
      metrics.keyGauge("strategy", key, "logGrowth", Math.log(returns[k]));
      metrics.keyGauge("strategy", key, "turnover", b.lastTurnover());
      metrics.keyGauge("strategy", key, "drawdown", b.drawdown());
      metrics.keyGauges("strategy", key, Backtest.RISK, b.risk());
      metrics.aggregate("drawdown", b.drawdown());
      metrics.aggregate("turnover", b.lastTurnover());
    }
  }

  @Override
  protected Decoded<T> decoded(Tuple2<String, Decoded<T>> in) {
    return in.f1;
  }

  @Override
  protected String failedWhile() {
    return "internal error applying the record: ";
  }
}
