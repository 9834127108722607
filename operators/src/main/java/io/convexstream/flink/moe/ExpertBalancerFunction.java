package io.convexstream.flink.moe;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.moe.BalanceMetrics;
import io.convexstream.core.moe.BalanceWindow;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.flink.DeadLetteringFunction;
import io.convexstream.flink.IdleKeys;
import io.convexstream.schemas.ExpertBiasUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ALF-LB for one (model, layer) per key: collects each global step's tokens per expert from all
 * ranks, closes the step when every expected rank reported (or {@code stepTimeoutMillis} after its
 * first report, counting the missing ranks), updates the biases once per step, in step order, and
 * publishes them versioned by step with balance metrics. Score batches are routed with the biases
 * of the step before theirs (batches of later steps wait). Late reports for closed steps,
 * duplicate ranks, wrong expert counts and reports routed with biases more than {@code
 * maxBiasStaleness} steps stale are dead-lettered, never merged.
 */
public final class ExpertBalancerFunction<T extends SpecificRecord> extends DeadLetteringFunction<Decoded<T>, T, ExpertBiasUpdate> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ExpertBalancerFunction.class);

  private final BalancerSettings settings;
  private final LoadSource<T> source;
  private transient ValueState<BalancerState> state;
  private transient MapState<Long, OpenStep> open;
  private transient MapState<Long, List<Decoded<T>>> waiting;
  private transient Counter closedSteps;
  private transient Counter missingRanks;

  private final IdleKeys idleKeys;

  public ExpertBalancerFunction(String job, BalancerSettings settings, LoadSource<T> source, Class<T> type) {
    this(job, settings, source, type, null);
  }

  /** {@code stateTtl}: how long a layer may go without a report before its state is dropped (null: kept for good). */
  public ExpertBalancerFunction(String job, BalancerSettings settings, LoadSource<T> source, Class<T> type, java.time.Duration stateTtl) {
    super(job, type);
    this.idleKeys = new IdleKeys(stateTtl);
    this.settings = settings;
    this.source = source;
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    super.open(ctx);
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("balancer", BalancerState.class));
    open = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-steps", Types.LONG, TypeInformation.of(OpenStep.class)));
    waiting = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-batches", Types.LONG, Types.LIST(Decoded.typeInfo(type))));
    metrics.trackOutputs();
    closedSteps = metrics.group().counter("closedSteps");
    missingRanks = metrics.group().counter("missingRanks");
    idleKeys.open(getRuntimeContext(), metrics);
  }

  @Override
  protected void process(Decoded<T> in, Context ctx, Collector<ExpertBiasUpdate> out) throws Exception {
    T r = in.value;
    long step = source.step(r);
    BalancerState s = state.value();
    if (s == null) {
      s = new BalancerState();
      s.biases = new float[source.experts(r)];
      s.lastClosedStep = step - 1; // a balancer starts at the first step it sees
      s.window = new long[0][];
      s.runEpoch = in.offset; // a run without state starts from later offsets, so its epoch is larger
    }
    if (source.experts(r) != s.biases.length) {
      reject(in, ctx, "expert count mismatch: " + ctx.getCurrentKey() + " has " + s.biases.length + " experts, record has " + source.experts(r), false);
      return;
    }
    if (step <= s.lastClosedStep) {
      s.lateReports++;
      state.update(s);
      idleKeys.touch(ctx.timerService());
      reject(in, ctx, "late report of rank " + source.rank(r) + " for step " + step + " of " + ctx.getCurrentKey()
          + ": steps up to " + s.lastClosedStep + " are closed", true);
      return;
    }
    long version = source.biasVersion(r);
    if (version >= 0) {
      // routing step t with the biases published for step t − 1 is fresh (staleness 0)
      long staleness = step - 1 - version;
      if (staleness < 0) {
        reject(in, ctx, "rank " + source.rank(r) + " reports step " + step + " of " + ctx.getCurrentKey()
            + " routed with biases of step " + version + ", which is not before it", false);
        return;
      }
      metrics.keyGauge("layer", ctx.getCurrentKey(), "biasStaleness", staleness);
      metrics.aggregate("biasStaleness", staleness);
      if (staleness > settings.maxBiasStaleness()) {
        reject(in, ctx, "stale biases: rank " + source.rank(r) + " routed step " + step + " of " + ctx.getCurrentKey()
            + " with biases of step " + version + " (" + staleness + " steps stale, at most " + settings.maxBiasStaleness() + " allowed)", false);
        return;
      }
    }
    if (source.routesWithBiases() && step > s.lastClosedStep + 1) {
      List<Decoded<T>> batches = waiting.get(step);
      batches = batches == null ? new ArrayList<>() : new ArrayList<>(batches);
      batches.add(in);
      waiting.put(step, batches);
      ensureStepTimer(step, in, s, ctx);
    } else {
      accumulateOrReject(in, s, ctx);
    }
    closeReadySteps(s, ctx, out);
    state.update(s);
    idleKeys.touch(ctx.timerService());
  }

  /**
   * Adds a record's loads to its open step, or dead-letters exactly that record when that fails
   * (the loads are computed before the step changes, so a failure leaves the step as it was).
   */
  private void accumulateOrReject(Decoded<T> in, BalancerState s, Context ctx) throws Exception {
    try {
      accumulate(in, s, ctx);
    } catch (RuntimeException e) {
      reject(in, ctx, "internal error applying the report of rank " + source.rank(in.value) + " for step "
          + source.step(in.value) + " of " + ctx.getCurrentKey() + ": " + e, false);
    }
  }

  /** Adds a record's loads to its open step. */
  private void accumulate(Decoded<T> in, BalancerState s, Context ctx) throws Exception {
    long start = System.nanoTime();
    T r = in.value;
    long step = source.step(r);
    OpenStep st = open.get(step);
    if (st == null) {
      st = openStep(source.expectedRanks(r), s, ctx);
    }
    int rank = source.rank(r);
    if (source.expectedRanks(r) != st.expectedRanks) {
      reject(in, ctx, "rank " + rank + " expects " + source.expectedRanks(r) + " ranks for step " + step + ", earlier reports said " + st.expectedRanks, false);
      return;
    }
    if (st.reported[rank]) {
      reject(in, ctx, "duplicate report of rank " + rank + " for step " + step + " of " + ctx.getCurrentKey(), false);
      return;
    }
    long[] loads = source.loads(r, s.biases);
    for (int i = 0; i < loads.length; i++) {
      st.loads[i] += loads[i];
    }
    st.reported[rank] = true;
    st.reports++;
    st.latestEventTime = Math.max(st.latestEventTime, source.eventTime(r));
    open.put(step, st);
    metrics.applied(start);
  }

  /** A waiting score batch's step still needs a timeout, though it is not open yet. */
  private void ensureStepTimer(long step, Decoded<T> in, BalancerState s, Context ctx) throws Exception {
    if (!open.contains(step)) {
      open.put(step, openStep(source.expectedRanks(in.value), s, ctx));
    }
  }

  /**
   * A new open step with its timeout; when a bounded input ends (or a drain), every open step
   * closes. Timers are never deleted: Flink keeps one timer per key and timestamp, and two open
   * steps may share one; a timer whose steps have closed finds nothing to do.
   */
  private OpenStep openStep(int expectedRanks, BalancerState s, Context ctx) {
    OpenStep st = new OpenStep(s.biases.length, expectedRanks);
    st.timer = ctx.timerService().currentProcessingTime() + settings.stepTimeoutMillis();
    ctx.timerService().registerProcessingTimeTimer(st.timer);
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    return st;
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ExpertBiasUpdate> out) throws Exception {
    // a layer with a step open or a batch waiting is not idle: its step timers close them first
    if (idleKeys.expires(timestamp, ctx.timerService(), !open.isEmpty() || !waiting.isEmpty())) {
      state.clear();
      return;
    }
    BalancerState s = state.value();
    if (s == null) {
      return;
    }
    boolean inputEnded = ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == Long.MAX_VALUE;
    for (Map.Entry<Long, OpenStep> e : open.entries()) {
      if ((inputEnded || e.getValue().timer == timestamp) && !e.getValue().timedOut) {
        e.getValue().timedOut = true;
        open.put(e.getKey(), e.getValue());
      }
    }
    closeReadySteps(s, ctx, out);
    state.update(s);
  }

  /** Closes, in step order, the steps at the head of the queue that are ready. */
  private void closeReadySteps(BalancerState s, Context ctx, Collector<ExpertBiasUpdate> out) throws Exception {
    while (true) {
      long head = Long.MAX_VALUE;
      for (Long step : open.keys()) {
        head = Math.min(head, step);
      }
      if (head == Long.MAX_VALUE) {
        return;
      }
      OpenStep st = open.get(head);
      // the next step closes when complete or timed out; a later one (the steps between have no
      // report at all) only after its timeout, so the missing steps get a chance to arrive
      boolean ready = head == s.lastClosedStep + 1 ? st.complete() || st.timedOut : st.timedOut;
      if (!ready) {
        return;
      }
      // score batches that waited for this very step (it closes after steps were skipped) route now,
      // with the biases of the last closed step, rather than wait forever
      admitWaitingBatches(head, s, ctx);
      st = open.get(head);
      open.remove(head);
      s.skippedSteps += head - s.lastClosedStep - 1;
      try {
        close(head, st, s, ctx, out);
      } catch (RuntimeException e) { // no single record to blame: the step closes unpublished, the next ones go on
        s.lastClosedStep = head;
        metrics.internalError();
        LOG.error("closing step {} of {} failed; it was not published", head, ctx.getCurrentKey(), e);
      }
      admitWaitingBatches(head + 1, s, ctx);
    }
  }

  /** Routes the score batches waiting for {@code step}, which just became current (or closes). */
  private void admitWaitingBatches(long step, BalancerState s, Context ctx) throws Exception {
    List<Decoded<T>> batches = waiting.get(step);
    if (batches == null) {
      return;
    }
    waiting.remove(step);
    for (Decoded<T> b : batches) {
      accumulateOrReject(b, s, ctx);
    }
  }

  private void close(long step, OpenStep st, BalancerState s, Context ctx, Collector<ExpertBiasUpdate> out) {
    long start = System.nanoTime();
    int missing = st.expectedRanks - st.reports;
    s.missingRanks += missing;
    missingRanks.inc(missing);
    double maxVio = BalanceMetrics.maxViolation(st.loads);
    LoadBalancer balancer = new LoadBalancer(s.biases, s.residuals, s.updates, settings.variant(), settings.centred(), settings.rate(), settings.decaySteps());
    float rate = balancer.currentRate();
    balancer.update(st.loads);
    s.biases = balancer.biases().clone();
    s.residuals = balancer.residuals() == null ? null : balancer.residuals().clone();
    s.updates = balancer.updates();
    s.lastClosedStep = step;
    BalanceWindow window = BalanceWindow.of(settings.window(), s.biases.length, s.window);
    window.add(st.loads);
    s.window = window.steps();
    closedSteps.inc();

    BalanceMetrics m = BalanceMetrics.of(st.loads, s.biases);
    Map<String, Double> figures = new HashMap<>();
    figures.put("maxVioGlobal", window.maxViolation());
    figures.put("minLoad", (double) m.minLoad());
    figures.put("maxLoad", (double) m.maxLoad());
    figures.put("meanLoad", m.meanLoad());
    figures.put("stdLoad", m.stdLoad());
    figures.put("idleExperts", (double) m.idleExperts());
    figures.put("biasMean", m.biasMean());
    figures.put("biasSpread", m.biasSpread());
    figures.put("missingRanks", (double) missing);
    figures.put("lateReports", (double) s.lateReports);
    figures.put("rate", (double) rate);
    List<Float> biases = new ArrayList<>(s.biases.length);
    for (float b : s.biases) {
      biases.add(b);
    }
    String key = ctx.getCurrentKey();
    int slash = key.lastIndexOf('/');
    out.collect(ExpertBiasUpdate.newBuilder()
        .setModelId(key.substring(0, slash))
        .setLayer(Integer.parseInt(key.substring(slash + 1)))
        .setStep(step)
        .setBiases(biases)
        .setMaxViolation(maxVio)
        .setMetrics(figures)
        .setEventTime(Instant.ofEpochMilli(st.latestEventTime))
        .setRunEpoch(s.runEpoch)
        .build());
    ctx.output(StepLoads.TAG, new StepLoads(key, step, st.loads.clone()));
    metrics.updateTook(start);
    metrics.outputOf("layer", key);
    metrics.keyGauge("layer", key, "maxVioBatch", maxVio);
    metrics.keyGauge("layer", key, "maxVioGlobal", window.maxViolation());
    metrics.keyGauge("layer", key, "idleExperts", m.idleExperts());
    metrics.keyGauge("layer", key, "biasSpread", m.biasSpread());
    metrics.aggregate("maxVioBatch", maxVio);
    metrics.aggregate("maxVioGlobal", window.maxViolation());
    metrics.aggregate("idleExperts", m.idleExperts());
  }

  @Override
  protected Decoded<T> decoded(Decoded<T> in) {
    return in;
  }
}
