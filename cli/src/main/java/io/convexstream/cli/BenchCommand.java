package io.convexstream.cli;

import io.convexstream.cli.bench.EndToEnd;
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
        "  end-to-end: each pipeline on an in-JVM broker and MiniCluster at each parallelism: input at",
        "              --rate records/s for --seconds, reporting event-to-output latency p50/p99; or (--rate 0)",
        "              a backlog of --records worked through, reporting records/s (exactly-once, 500 ms checkpoints)",
        "              and its ratio to the no-op baseline on the same records (--baseline)",
        "  memory:     copy bandwidth, and the dense OMD update at large d as a fraction of it",
        ""})
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--what", split = ",", defaultValue = "end-to-end,memory", description = "end-to-end, memory (default: ${DEFAULT-VALUE}).")
  List<String> what;

  @Option(names = "--pipeline", description = {"A pipeline to measure, repeatable: NAME[:key=value,...] (default: gradients, router-loads, portfolio).",
      "gradients takes models (16), dim (32), nnz (0: dense) and job options, e.g. gradients:models=1,dim=1000000 or",
      "gradients:dim=10000000,nnz=32,learner=ftrl or gradients:models=100000,dim=16,state.backend.type=rocksdb."})
  List<String> pipelines = new java.util.ArrayList<>(EndToEnd.PIPELINES);

  @Option(names = "--baseline", negatable = true, defaultValue = "true", fallbackValue = "true", description = {
      "Also run the no-op baseline (Kafka source -> exactly-once Kafka sink of the same records, same checkpoints and state backend)",
      "before each run and report the pipeline's throughput as a ratio to it; with --rate 0 (default: ${DEFAULT-VALUE})."})
  boolean baseline;

  @Option(names = "--parallelism", split = ",", defaultValue = "1,2", description = "Parallelisms (default: ${DEFAULT-VALUE}).")
  List<Integer> parallelism;

  @Option(names = "--rate", defaultValue = "1000", description = "Input records/s while the job runs (latency); 0: load --records first, then measure how fast the job works through them (capacity) (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--records", defaultValue = "200000", description = "Backlog for --rate 0 (default: ${DEFAULT-VALUE}).")
  long records;

  @Option(names = "--seconds", defaultValue = "30", description = "Input duration per run (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--repeat", defaultValue = "1", description = "Runs per configuration, for medians and spread (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--dim", defaultValue = "1000000", description = "Dimension of the memory-bound OMD update (default: ${DEFAULT-VALUE}).")
  int dim;

  @Override
  public Integer call() throws Exception {
    if (what.contains("memory")) {
      memory();
    }
    if (what.contains("end-to-end")) {
      endToEnd();
    }
    return 0;
  }

  private void endToEnd() throws Exception {
    System.out.printf("end to end: %d cores, %d MiB heap; %d s per run%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, seconds);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(); LocalFlinkCluster flink = LocalFlinkCluster.start(0, 4)) {
      TopicAdmin.createAll(broker.bootstrapServers());
      for (String pipeline : pipelines) {
        for (int p : parallelism) {
          if (baseline && rate == 0) {
            ratios(flink, broker.bootstrapServers(), pipeline, p);
            continue;
          }
          double[] rates = new double[repeat];
          double[] p50 = new double[repeat];
          double[] p99 = new double[repeat];
          for (int k = 0; k < repeat; k++) {
            EndToEnd.Result r = EndToEnd.run(flink, broker.bootstrapServers(), pipeline, p, rate, Duration.ofSeconds(seconds), records,
                Duration.ofSeconds(300), line -> System.out.println("  " + line));
            System.out.println(r.line());
            rates[k] = r.recordsPerSecond();
            p50[k] = r.p50Ms();
            p99[k] = r.p99Ms();
          }
          if (repeat > 1) {
            System.out.printf("%-13s p=%d  median of %d: %s rec/s%s%n", pipeline, p, repeat, spread(rates),
                rate > 0 ? ", p50 " + spread(p50) + " ms, p99 " + spread(p99) + " ms" : "");
          }
        }
      }
    }
  }

  /**
   * Capacity of {@code pipeline} as a ratio to the no-op baseline on the same records, in the same
   * JVM: discarded pairs of (baseline, pipeline) runs until the JIT is quiet (see {@link #warmUp}),
   * then {@code repeat} measured pairs on a backlog of {@code records}; each pair gives a ratio.
   */
  private void ratios(LocalFlinkCluster flink, String bootstrap, String pipeline, int p) throws Exception {
    Duration drain = Duration.ofSeconds(600);
    int warmPairs = warmUp(flink, bootstrap, pipeline, p, drain);
    double[] base = new double[repeat];
    double[] job = new double[repeat];
    double[] ratio = new double[repeat];
    for (int k = 0; k < repeat; k++) {
      Pair r = pair(flink, bootstrap, pipeline, p, drain);
      System.out.println("  " + r.baseline().line());
      System.out.println("  " + r.pipeline().line());
      System.out.printf("  JIT compiling: %.1f %% of this pair's wall time%n", r.jitPercent());
      base[k] = r.baseline().recordsPerSecond();
      job[k] = r.pipeline().recordsPerSecond();
      ratio[k] = job[k] / base[k];
    }
    System.out.printf("%s p=%d: baseline %s rec/s, pipeline %s rec/s, ratio %s (median [min..max] of %d; warm: %d discarded pairs first)%n",
        pipeline, p, spread(base), spread(job), spread3(ratio), repeat, warmPairs);
  }

  /**
   * Discarded (baseline, pipeline) pairs until one spends under {@value #QUIET_JIT_PERCENT} % of its
   * wall time compiling (at most {@value #MAX_WARM_PAIRS}). One pair was not enough on 2 cores: C2
   * still took 60–70 % of a core through the next two pairs, and the baseline rose 266 k → 482 k
   * records/s over them.
   */
  private int warmUp(LocalFlinkCluster flink, String bootstrap, String pipeline, int p, Duration drain) throws Exception {
    for (int pairs = 1; ; pairs++) {
      double share = pair(flink, bootstrap, pipeline, p, drain).jitPercent();
      System.out.printf("  warm-up pair %d: JIT compiling %.1f %% of its wall time%n", pairs, share);
      if (share < QUIET_JIT_PERCENT || pairs == MAX_WARM_PAIRS) {
        return pairs;
      }
    }
  }

  private static final double QUIET_JIT_PERCENT = 5;
  private static final int MAX_WARM_PAIRS = 8;

  /** One baseline run and one pipeline run, and the share of their wall time the JIT spent compiling. */
  private record Pair(EndToEnd.Result baseline, EndToEnd.Result pipeline, double jitPercent) {}

  private Pair pair(LocalFlinkCluster flink, String bootstrap, String pipeline, int p, Duration drain) throws Exception {
    long jit = compileMillis();
    long start = System.nanoTime();
    EndToEnd.Result b = EndToEnd.run(flink, bootstrap, EndToEnd.BASELINE + pipeline, p, 0, Duration.ZERO, records, drain, line -> {});
    EndToEnd.Result j = EndToEnd.run(flink, bootstrap, pipeline, p, 0, Duration.ZERO, records, drain, line -> {});
    return new Pair(b, j, 100.0 * (compileMillis() - jit) / ((System.nanoTime() - start) / 1e6));
  }

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
    return String.format("%.4g [%.4g..%.4g]", median(s), s[0], s[s.length - 1]);
  }
}
