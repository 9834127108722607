package io.convexstream.flink;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics every convexstream operator registers, all under the group {@value #GROUP} of its
 * operator (naming scheme: docs/METRICS.md). Every input record an operator takes is counted once,
 * as applied or as dead-lettered, so that records in = applied + dead-lettered per pipeline; late
 * records are dead-lettered and also counted in {@code late}.
 */
public final class OperatorMetrics {
  public static final String GROUP = "convexstream";
  public static final String APPLIED = "applied";
  public static final String DEAD_LETTERED = "deadLettered";
  public static final String LATE = "late";
  /**
   * Failures inside an operator that belong to no single input record (a period or step that could
   * not be closed, a publication that failed): logged and counted; the job keeps running.
   */
  public static final String INTERNAL_ERRORS = "internalErrors";
  /** Wall time of one update (decode and check, learner step, bias update, period close), µs. */
  public static final String UPDATE_MICROS = "updateMicros";
  /** Job option (typed in the jobs module's JobOptions): per-key gauges for at most this many keys per subtask (default 16). */
  public static final String MAX_KEYS_OPTION = "metrics.maxKeys";
  /** Gauge: ms since the operator (or, per key, the key) last published an output. */
  public static final String MS_SINCE_OUTPUT = "msSinceOutput";
  public static final int DEFAULT_MAX_KEYS = 16;

  private final MetricGroup group;
  private final Counter applied;
  private final Counter deadLettered;
  private final Counter late;
  private final Counter internalErrors;
  private final Histogram updateMicros;
  private final int maxKeys;
  private final Map<String, KeyCells> keyed = new HashMap<>();
  private final Map<String, Aggregate> aggregates = new HashMap<>();
  private volatile long lastOutputMillis = -1; // -1: outputs not tracked

  private OperatorMetrics(MetricGroup group, int maxKeys) {
    this.group = group;
    this.applied = group.counter(APPLIED);
    this.deadLettered = group.counter(DEAD_LETTERED);
    this.late = group.counter(LATE);
    this.internalErrors = group.counter(INTERNAL_ERRORS);
    this.updateMicros = group.histogram(UPDATE_MICROS, new DescriptiveStatisticsHistogram(1024));
    this.maxKeys = maxKeys;
  }

  public static OperatorMetrics register(RuntimeContext ctx) {
    int maxKeys = Integer.parseInt(ctx.getGlobalJobParameters().getOrDefault(MAX_KEYS_OPTION, String.valueOf(DEFAULT_MAX_KEYS)));
    return new OperatorMetrics(ctx.getMetricGroup().addGroup(GROUP), maxKeys);
  }

  /**
   * Registers gauge {@value #MS_SINCE_OUTPUT}: ms since this subtask published its last output (or
   * since it started). The minimum over a job's subtasks growing without bound means the job
   * publishes nothing (a stalled input, a held watermark): the alert in deploy/prometheus.
   */
  public void trackOutputs() {
    lastOutputMillis = System.currentTimeMillis();
    group.gauge(MS_SINCE_OUTPUT, (Gauge<Double>) () -> (double) (System.currentTimeMillis() - lastOutputMillis));
  }

  /** {@code key} (named {@code keyName}: model, layer, portfolio) just published: both its gauge and the operator's restart at 0. */
  public void outputOf(String keyName, String key) {
    long now = System.currentTimeMillis();
    lastOutputMillis = now;
    KeyCells k = cellsOf(key);
    if (k == null) {
      return;
    }
    double[] cell = k.byName.get(MS_SINCE_OUTPUT);
    if (cell == null) {
      double[] c = new double[] {now};
      k.byName.put(MS_SINCE_OUTPUT, c);
      group.addGroup(keyName, key).gauge(MS_SINCE_OUTPUT, (Gauge<Double>) () -> System.currentTimeMillis() - c[0]);
    } else {
      cell[0] = now;
    }
  }

  /** The operator's group, for its own metrics. */
  public MetricGroup group() {
    return group;
  }

  /** One record applied; {@code startNanos} is {@link System#nanoTime()} when its update began. */
  public void applied(long startNanos) {
    applied.inc();
    updateMicros.update((System.nanoTime() - startNanos) / 1000);
  }

  public void deadLettered() {
    deadLettered.inc();
  }

  public void lateAndDeadLettered() {
    late.inc();
    deadLettered.inc();
  }

  public void internalError() {
    internalErrors.inc();
  }

  /** Times an update that is not one record (a period or step closing). */
  public void updateTook(long startNanos) {
    updateMicros.update((System.nanoTime() - startNanos) / 1000);
  }

  /**
   * Sets gauge {@code name} of the key {@code keyName=key} (a key-value group, so reporters make it
   * a label). Only the first {@code maxKeys} keys this subtask sees get gauges, which bounds the
   * cardinality; the rest are ignored here (the output records carry their figures).
   */
  public void keyGauge(String keyName, String key, String name, double value) {
    KeyCells k = cellsOf(key);
    if (k != null) {
      cell(k, keyName, key, name)[0] = value;
    }
  }

  /**
   * {@link #keyGauge} for the figures {@code names[i] = values[i]} of one key, which is looked up
   * once; a figure gets its gauge once it is not NaN. Per output record, so the cells are kept by
   * position for the {@code names} array last given (a constant of the caller).
   */
  public void keyGauges(String keyName, String key, String[] names, double[] values) {
    KeyCells k = cellsOf(key);
    if (k == null) {
      return;
    }
    if (k.names != names) {
      k.names = names;
      k.byPosition = new double[names.length][];
    }
    for (int i = 0; i < names.length; i++) {
      if (k.byPosition[i] == null) {
        if (Double.isNaN(values[i])) {
          continue;
        }
        k.byPosition[i] = cell(k, keyName, key, names[i]);
      }
      k.byPosition[i][0] = values[i];
    }
  }

  /** The gauges of one key: a cell per figure, which its gauge reads. */
  private static final class KeyCells {
    final Map<String, double[]> byName = new HashMap<>();
    String[] names;
    double[][] byPosition;
  }

  private KeyCells cellsOf(String key) {
    KeyCells k = keyed.get(key);
    if (k == null) {
      if (keyed.size() >= maxKeys) {
        return null;
      }
      k = new KeyCells();
      keyed.put(key, k);
    }
    return k;
  }

  private double[] cell(KeyCells k, String keyName, String key, String name) {
    double[] cell = k.byName.get(name);
    if (cell == null) {
      double[] c = new double[] {Double.NaN};
      k.byName.put(name, c);
      group.addGroup(keyName, key).gauge(name, (Gauge<Double>) () -> c[0]);
      cell = c;
    }
    return cell;
  }

  /**
   * Adds {@code value} to the aggregate {@code all.<name>} over every key (not only the tracked
   * ones): gauges {@code p50}, {@code p95} and {@code max} of the last 1024 values, so a job with
   * thousands of models or layers still shows how its worst ones do, with 3 series per figure.
   */
  public void aggregate(String name, double value) {
    aggregateOf(name).add(value);
  }

  /** The aggregate {@code all.<name>} (see {@link #aggregate}), for a caller that adds to it per record. */
  public Aggregate aggregateOf(String name) {
    Aggregate a = aggregates.get(name);
    if (a == null) {
      Aggregate fresh = new Aggregate();
      MetricGroup g = group.addGroup("all").addGroup(name);
      g.gauge("p50", (Gauge<Double>) () -> fresh.quantile(0.5));
      g.gauge("p95", (Gauge<Double>) () -> fresh.quantile(0.95));
      g.gauge("max", (Gauge<Double>) () -> fresh.quantile(1.0));
      aggregates.put(name, fresh);
      a = fresh;
    }
    return a;
  }

  /** The last 1024 values of a figure (NaN ignored); quantiles are computed when a reporter reads them. */
  public static final class Aggregate {
    private final double[] ring = new double[1024];
    private int size;
    private int next;

    public synchronized void add(double v) {
      if (Double.isNaN(v)) {
        return;
      }
      ring[next] = v;
      next = (next + 1) % ring.length;
      size = Math.min(size + 1, ring.length);
    }

    synchronized double quantile(double q) {
      if (size == 0) {
        return Double.NaN;
      }
      double[] v = java.util.Arrays.copyOf(ring, size);
      java.util.Arrays.sort(v);
      int rank = Math.max(0, (int) Math.ceil(q * size) - 1); // nearest rank
      return v[Math.min(size - 1, rank)];
    }
  }
}
