package io.convexstream.cli;

import io.convexstream.cli.bench.EndToEnd;
import io.convexstream.cli.bench.LoopState;
import io.convexstream.cli.bench.PlacementSweep;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.kafka.TopicAdmin;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "Measure the pipelines end to end, and a core against the memory bandwidth.",
        "",
        "Per-core figures come from JMH (benchmarks/run).",
        "",
        "  end-to-end: each pipeline on an in-JVM broker and MiniCluster at each parallelism, exactly-once",
        "              output, 500 ms checkpoints: input at --rate records/s for --seconds, reporting event-to-output",
        "              latency p50/p99; or (--rate 0) a backlog of --records loaded once and worked through by fresh",
        "              jobs, reporting records/s and records/s per core, and (--baseline) the ratios to a no-op",
        "              and a keyed baseline on the same records, measured in alternating rounds",
        "  memory:     copy bandwidth, and the dense OMD update at large d as a fraction of it",
        "  placement:  what placement.minGain trades, without Kafka or Flink: one MoE layer (64 experts, top-8, 2 048 tokens",
        "              per step, 80 slots on 8 GPUs) whose expert popularity drifts, 5 000 steps, a 100-step window, a plan",
        "              considered every 10 steps; per --min-gains threshold: plans and replicas moved per 1 000 steps and the",
        "              imbalance the steps saw; a PNG of the imbalance over steps in --plot-dir",
        "  loop-state: the learning loop's state on RocksDB, without Kafka: events at --loop-rate per second of event time,",
        "              feedback --loop-delay later (a fifth lost), for --loop-minutes of event time; the full checkpoint size",
        "              at each checkpoint, and a PNG of it over event time in --plot-dir",
        ""})
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--what", split = ",", defaultValue = "end-to-end,memory", description = "end-to-end, memory, placement, loop-state "
      + "(default: ${DEFAULT-VALUE}).")
  List<String> what;

  @Option(names = "--pipeline", description = {"A pipeline to measure, repeatable: NAME[:key=value,...] (default: gradients, events, router-loads, portfolio).",
      "gradients takes models (16), dim (32), nnz (0: dense) and job options, e.g. gradients:models=1,dim=1000000 or",
      "gradients:dim=10000000,nnz=32,learner=ftrl or gradients:models=100000,dim=16,state.backend.type=rocksdb."})
  List<String> pipelines = new java.util.ArrayList<>(EndToEnd.PIPELINES);

  @Option(names = "--baseline", negatable = true, defaultValue = "true", fallbackValue = "true", description = {
      "With --rate 0, also run two baselines on the same records, checkpoints and state backend: the no-op one (Kafka source ->",
      "exactly-once Kafka sink) and the keyed one (the same through keyBy and one ValueState<byte[]> of the pipeline's state size",
      "read and written per record), and report the pipeline's throughput as ratios to them (default: ${DEFAULT-VALUE})."})
  boolean baseline;

  @Option(names = "--parallelism", split = ",", defaultValue = "1,2", description = "Parallelisms (default: ${DEFAULT-VALUE}).")
  List<Integer> parallelism;

  @Option(names = "--rate", defaultValue = "1000", description = "Input records/s while the job runs (latency); 0: load --records first, then measure how fast the job works through them (capacity) (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--records", defaultValue = "2000000", description = {"Backlog for --rate 0, loaded once per pipeline and read by every run;",
      "long enough that the fastest job's measured window lasts several seconds (default: ${DEFAULT-VALUE})."})
  long records;

  @Option(names = "--seconds", defaultValue = "30", description = "Input duration per run at --rate > 0 (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--repeat", defaultValue = "1", description = "Runs (with --rate 0 and --baseline: rounds) per configuration, for medians and spread (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--dim", defaultValue = "1000000", description = "Dimension of the memory-bound OMD update (default: ${DEFAULT-VALUE}).")
  int dim;

  @Option(names = "--min-gains", split = ",", defaultValue = "0,0.01,0.02,0.05,0.1,0.2", description = "placement.minGain values "
      + "for --what placement (default: ${DEFAULT-VALUE}).")
  List<Double> minGains;

  @Option(names = "--drift", defaultValue = "0.02", description = "Per-step drift of each expert's popularity for --what placement "
      + "(default: ${DEFAULT-VALUE}).")
  double drift;

  @Option(names = "--loop-rate", defaultValue = "10000", description = "Events per second of event time for --what loop-state "
      + "(default: ${DEFAULT-VALUE}).")
  int loopRate;

  @Option(names = "--loop-delay", defaultValue = "PT10M", description = "Feedback delay for --what loop-state (default: ${DEFAULT-VALUE}).")
  Duration loopDelay;

  @Option(names = "--loop-parallelism", defaultValue = "1", description = "Parallelism of the learning loop for --what loop-state "
      + "(default: ${DEFAULT-VALUE}).")
  int loopParallelism;

  @Option(names = "--loop-minutes", defaultValue = "26", description = "Minutes of event time for --what loop-state (default: ${DEFAULT-VALUE}).")
  int loopMinutes;

  @Option(names = "--plot-dir", defaultValue = ".", description = "Where --what placement and loop-state write their PNGs (default: ${DEFAULT-VALUE}).")
  java.nio.file.Path plotDir;

  @Override
  public Integer call() throws Exception {
    if (what.contains("placement")) {
      int steps = 5000;
      System.out.printf("placement: 64 experts, top-8, 2048 tokens per step, 80 slots on 8 GPUs, %d steps, window 100, every 10, "
          + "popularity sigma 0.5 drifting %.3f per step%n", steps, drift);
      PlacementSweep.report(PlacementSweep.run(64, 8, 2048, 80, 8, steps, 100, 10, drift, minGains, 7), steps,
          plotDir.resolve("placement-min-gain.png"));
    }
    if (what.contains("memory")) {
      memory();
    }
    if (what.contains("loop-state")) {
      loopState();
    }
    if (what.contains("end-to-end")) {
      endToEnd();
    }
    return 0;
  }

  private void loopState() throws Exception {
    System.out.printf("loop-state: %d events/s of event time, feedback %s later (a fifth lost), %d min, 8 named features, ftrl, "
        + "parallelism %d, RocksDB on the local cluster's managed memory with incremental checkpoints every 15 s%n",
        loopRate, loopDelay, loopMinutes, loopParallelism);
    java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("convexstream-loop-state");
    try (LocalFlinkCluster flink = LocalFlinkCluster.start(0, 2)) {
      List<LoopState.Point> points = LoopState.run(flink, loopRate, loopDelay, Duration.ofMinutes(loopMinutes), loopParallelism, checkpoints,
          BenchCommand::progress);
      double[] x = points.stream().mapToDouble(LoopState.Point::eventMinutes).toArray();
      double[] y = points.stream().mapToDouble(p -> p.stateBytes() / 1e6).toArray();
      io.convexstream.cli.report.Plots.lines(plotDir.resolve("loop-state.png"), String.format(
          "Learning loop state on RocksDB: %d events/s, feedback %s later", loopRate, loopDelay), "minutes of event time played",
          "full checkpoint size (MB)", false, java.util.Map.of("state", new double[][] {x, y}));
      System.out.println("  plot: " + plotDir.resolve("loop-state.png").toAbsolutePath());
    } finally {
      org.apache.commons.io.FileUtils.deleteQuietly(checkpoints.toFile());
    }
  }

  private void endToEnd() throws Exception {
    System.out.printf("end to end: %d cores, %d MiB heap%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 4)) {
      TopicAdmin.createAll(broker.bootstrapServers());
      for (String pipeline : pipelines) {
        EndToEnd.Backlog backlog = rate == 0 ? EndToEnd.backlog(broker.bootstrapServers(), pipeline, records, BenchCommand::progress) : null;
        for (int p : parallelism) {
          if (rate == 0) {
            capacity(flink, broker.bootstrapServers(), backlog, p);
          } else {
            latency(flink, broker.bootstrapServers(), pipeline, p);
          }
        }
      }
    }
  }

  private void latency(LocalFlinkCluster flink, String bootstrap, String pipeline, int p) throws Exception {
    double[] rates = new double[repeat];
    double[] p50 = new double[repeat];
    double[] p99 = new double[repeat];
    for (int k = 0; k < repeat; k++) {
      EndToEnd.Result r = EndToEnd.run(flink, bootstrap, pipeline, p, rate, Duration.ofSeconds(seconds), Duration.ofSeconds(300),
          BenchCommand::progress);
      System.out.println(r.line());
      rates[k] = r.recordsPerSecond();
      p50[k] = r.p50Ms();
      p99[k] = r.p99Ms();
    }
    System.out.printf("%-13s p=%d  median [min..max] of %d: %s rec/s, p50 %s ms, p99 %s ms%n", pipeline, p, repeat, spread(rates),
        spread(p50), spread(p99));
  }

  /**
   * Capacity on {@code backlog}: rounds of one run of each job — the no-op baseline, the keyed
   * baseline and the pipeline, all fresh jobs on the same records — in alternating order (a drift
   * of the machine over a round then favours neither end of a ratio). Rounds are discarded until
   * the JIT is quiet (see {@link #QUIET_JIT_PERCENT}), then {@code repeat} rounds are measured; each gives
   * its ratios.
   */
  private void capacity(LocalFlinkCluster flink, String bootstrap, EndToEnd.Backlog backlog, int p) throws Exception {
    List<String> jobs = baseline
        ? List.of(EndToEnd.BASELINE + backlog.spec(), EndToEnd.KEYED + backlog.spec(), backlog.spec())
        : List.of(backlog.spec());
    Duration drain = Duration.ofSeconds(600);
    int warm = 0;
    while (true) {
      warm++;
      long jit = compileMillis();
      long start = System.nanoTime();
      round(flink, bootstrap, backlog, p, jobs, warm, drain);
      double share = 100.0 * (compileMillis() - jit) / ((System.nanoTime() - start) / 1e6);
      System.out.printf("  warm-up round %d: JIT compiling %.1f %% of its wall time%n", warm, share);
      if (share < QUIET_JIT_PERCENT || warm == MAX_WARM_ROUNDS) {
        break;
      }
    }
    double[][] rates = new double[jobs.size()][repeat];
    double[][] perCore = new double[jobs.size()][repeat];
    for (int k = 0; k < repeat; k++) {
      List<EndToEnd.Result> results = round(flink, bootstrap, backlog, p, jobs, k, drain);
      for (int j = 0; j < jobs.size(); j++) {
        EndToEnd.Result r = results.get(j);
        System.out.println("  " + r.line());
        rates[j][k] = r.recordsPerSecond();
        perCore[j][k] = r.recordsPerSecond() / r.cores();
      }
    }
    System.out.printf("%s p=%d, %d records: median [min..max] of %d rounds (%d warm-up rounds discarded; rates over the middle 90 %% of"
        + " the outputs; cores: the JVM's CPU time, broker included)%n", backlog.spec(), p, backlog.records(), repeat, warm);
    for (int j = 0; j < jobs.size(); j++) {
      System.out.printf("  %-16s %s rec/s  %s rec/s/core%n", name(jobs.get(j)), spread(rates[j]), spread(perCore[j]));
    }
    if (baseline) {
      System.out.printf("  keyed / baseline     %s%n", spread3(ratio(rates[1], rates[0])));
      System.out.printf("  pipeline / keyed     %s%n", spread3(ratio(rates[2], rates[1])));
      System.out.printf("  pipeline / baseline  %s%n", spread3(ratio(rates[2], rates[0])));
    }
  }

  /** One run of each of {@code jobs} on the backlog, in order for even rounds and reversed for odd ones; results in {@code jobs}' order. */
  private static List<EndToEnd.Result> round(LocalFlinkCluster flink, String bootstrap, EndToEnd.Backlog backlog, int p, List<String> jobs,
      int k, Duration drain) throws Exception {
    EndToEnd.Result[] results = new EndToEnd.Result[jobs.size()];
    for (int i = 0; i < jobs.size(); i++) {
      int j = k % 2 == 0 ? i : jobs.size() - 1 - i;
      results[j] = EndToEnd.capacity(flink, bootstrap, jobs.get(j), p, backlog, drain);
    }
    return List.of(results);
  }

  private static String name(String spec) {
    return spec.startsWith(EndToEnd.BASELINE) ? "baseline" : spec.startsWith(EndToEnd.KEYED) ? "keyed baseline" : "pipeline";
  }

  private static double[] ratio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int k = 0; k < r.length; k++) {
      r[k] = a[k] / b[k];
    }
    return r;
  }

  private static void progress(String line) {
    System.out.println("  " + line);
  }

  /**
   * A warm-up round ends the warm-up once it spends under this share of its wall time compiling.
   * One round was not enough on 2 cores: C2 still took 60–70 % of a core through the next two, and
   * the baseline rose by 80 % over them.
   */
  private static final double QUIET_JIT_PERCENT = 5;
  private static final int MAX_WARM_ROUNDS = 8;

  /** Time all JIT compiler threads have spent compiling, summed. */
  private static long compileMillis() {
    return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  private static String spread3(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return String.format("%.2f [%.2f..%.2f]", median(v), s[0], s[s.length - 1]);
  }

  /** Copy bandwidth, and how close the dense OMD update at {@code dim} comes to it. */
  private void memory() {
    int n = 32 << 20; // 256 MiB of doubles per array: far beyond the caches
    double[] a = new double[n];
    double[] b = new double[n];
    Arrays.fill(a, 1.0);
    double[] copyGBs = new double[7];
    for (int k = 0; k < copyGBs.length + 2; k++) {
      long t = System.nanoTime();
      System.arraycopy(a, 0, b, 0, n);
      double s = (System.nanoTime() - t) / 1e9;
      if (k >= 2) {
        copyGBs[k - 2] = 2.0 * n * 8 / s / 1e9; // read + write
      }
    }
    System.out.printf("memory: copy bandwidth %s GB/s (read+write bytes, System.arraycopy of 256 MiB)%n", spread(copyGBs));
    a = null;
    b = null;

    OnlineLearner learner = Learners.create(LearnerConfig.of("oomd"), dim);
    double[] g = new double[dim];
    for (int i = 0; i < dim; i++) {
      g[i] = Math.sin(i);
    }
    GradientVector gv = GradientVector.dense(g);
    int arrays = learner.exportState().arrays.size();
    long bytes = (2L * arrays + 1) * dim * 8; // each state array read and written, the gradient read
    double[] perSecond = new double[7];
    for (int k = 0; k < perSecond.length + 2; k++) {
      int updates = 20;
      long t = System.nanoTime();
      for (int u = 0; u < updates; u++) {
        learner.update(gv);
      }
      double s = (System.nanoTime() - t) / 1e9;
      if (k >= 2) {
        perSecond[k - 2] = updates / s;
      }
    }
    double median = median(perSecond);
    double bound = median(copyGBs) * 1e9 / bytes;
    System.out.printf("memory: oomd update at d=%d: %s updates/s; touches >= %.0f MB (%d state arrays read+written, gradient read);"
        + " bandwidth bound %.0f updates/s -> %.0f%% of it%n", dim, spread(perSecond), bytes / 1e6, arrays, bound, 100 * median / bound);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** "median [min..max]". */
  private static String spread(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return figure(median(s)) + " [" + figure(s[0]) + ".." + figure(s[s.length - 1]) + "]";
  }

  /** Whole numbers from 100 up, three significant digits below. */
  private static String figure(double x) {
    return Math.abs(x) >= 100 ? String.format("%.0f", x) : String.format("%.3g", x);
  }
}
