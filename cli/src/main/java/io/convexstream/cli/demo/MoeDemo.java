package io.convexstream.cli.demo;

import io.convexstream.cli.report.Plots;
import io.convexstream.core.moe.BalanceMetrics;
import io.convexstream.core.moe.Router;
import io.convexstream.core.synthetic.TokenRouteGenerator;
import io.convexstream.jobs.BalancerJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.PlacementPlan;
import io.convexstream.schemas.RouterScoreBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MoE demo: simulated workers (4 ranks × 1024 tokens per step, 32 experts, top-4, popularity
 * σ = 0.5) send raw router scores; the balancer routes them with its biases, updates them once per
 * step and plans expert placement. "No balancing" routes the same scores with zero biases.
 */
public final class MoeDemo implements DemoPipeline {
  public static final String MODEL = "demo-moe";
  private static final int EXPERTS = 32;
  private static final int K = 4;
  private static final int RANKS = 2;
  private static final int TOKENS_PER_RANK = 128; // small, so the bundled recording stays a few MB
  /** A NaN score batch and a repeated rank. */
  private static final int BAD_RECORDS = 2;

  private final int steps;
  private final double[] unbalanced;

  public MoeDemo(int steps) {
    this.steps = steps;
    this.unbalanced = new double[steps];
  }

  @Override
  public StreamJob job() {
    return BalancerJob.scoreBatches();
  }

  /** u = 5e-3 (DeepSeek uses 1e-3 over many thousands of steps; the demo is short). */
  @Override
  public Map<String, String> options() {
    return Map.of("rate", "5e-3", "topK", String.valueOf(K), "window", "50", "stepTimeout", "60 s",
        "placement.slots", "40", "placement.gpus", "4", "placement.window", "50", "placement.every", "50");
  }

  @Override
  public List<Topic> inputs() {
    return List.of(Topic.ROUTER_SCORES);
  }

  @Override
  public void feed(Feed kafka) {
    TokenRouteGenerator gen = new TokenRouteGenerator(EXPERTS, 0.5, 0, 0, 11);
    Router router = new Router(EXPERTS, K);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    String key = MODEL + "/0";
    for (int s = 1; s <= steps; s++) {
      gen.nextStep();
      long[] noBias = new long[EXPERTS];
      for (int r = 0; r < RANKS; r++) {
        float[] logits = gen.logits(TOKENS_PER_RANK);
        router.countLoads(logits, TOKENS_PER_RANK, new float[EXPERTS], noBias);
        RouterScoreBatch batch = batch(s, r, logits, t0.plusSeconds(s));
        kafka.send(Topic.ROUTER_SCORES, key, batch);
        if (s == 3 && r == 0) {
          kafka.send(Topic.ROUTER_SCORES, key, batch); // a rank reporting twice
          List<Float> nan = new ArrayList<>(batch.getScores());
          nan.set(5, Float.NaN);
          kafka.send(Topic.ROUTER_SCORES, key, RouterScoreBatch.newBuilder(batch).setScores(nan).build());
        }
      }
      unbalanced[s - 1] = BalanceMetrics.maxViolation(noBias);
    }
  }

  private static RouterScoreBatch batch(long step, int rank, float[] logits, Instant time) {
    List<Float> scores = new ArrayList<>(logits.length);
    for (float f : logits) {
      scores.add(f);
    }
    return new RouterScoreBatch(MODEL, 0, step, rank, RANKS, TOKENS_PER_RANK, EXPERTS, scores, time);
  }

  @Override
  public Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException {
    List<ExpertBiasUpdate> updates = new ArrayList<>(kafka.read(Topic.EXPERT_BIASES, ExpertBiasUpdate.class,
        u -> u.getModelId().equals(MODEL), steps, Duration.ofSeconds(120)));
    updates.sort(Comparator.comparingLong(ExpertBiasUpdate::getStep));
    List<PlacementPlan> plans = kafka.read(Topic.PLACEMENT_PLANS, PlacementPlan.class, p -> p.getModelId().equals(MODEL),
        steps / 50, Duration.ofSeconds(10));
    List<DeadLetter> deadLetters = DemoPipeline.deadLetters(kafka, job().name(), BAD_RECORDS);
    out.println();
    out.printf("MoE load balancing (router-scores): %d experts, top-%d, %d ranks x %d tokens per step, u = 5e-3%n",
        EXPERTS, K, RANKS, TOKENS_PER_RANK);
    out.printf("  %-8s %14s %14s %16s%n", "step", "MaxVio none", "MaxVio ALF-LB", "MaxVio_global");
    double[] ts = new double[updates.size()];
    double[] balanced = new double[updates.size()];
    double[] none = new double[updates.size()];
    for (int i = 0; i < updates.size(); i++) {
      ExpertBiasUpdate u = updates.get(i);
      int s = (int) u.getStep();
      ts[i] = s;
      balanced[i] = u.getMaxViolation();
      none[i] = unbalanced[s - 1];
      if (s == 1 || s % 25 == 0) {
        out.printf("  %-8d %14.3f %14.3f %16.3f%n", s, none[i], balanced[i], u.getMetrics().get("maxVioGlobal"));
      }
    }
    for (PlacementPlan p : plans) {
      double before = p.getGpuLoadBefore().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double after = p.getGpuLoadAfter().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      out.printf("  placement at step %d: %d slots on %d GPUs, heaviest GPU %.0f -> %.0f tokens over %d steps%n",
          p.getStep(), p.getPhysicalToLogical().size(), p.getGpus(), before, after, p.getWindowSteps());
    }
    DemoPipeline.printDeadLetters(deadLetters, out);
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("no balancing", new double[][] {ts, none});
    series.put("ALF-LB (bias per expert)", new double[][] {ts, balanced});
    Path plot = Plots.lines(outDir.resolve("moe-maxvio.png"), "MoE load balance per step: MaxVio = (max load - mean)/mean",
        "global step", "MaxVio_batch", false, series);
    return new Report(job().name(), steps, updates.size(), BAD_RECORDS, deadLetters.size(), List.of(plot));
  }

  static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }
}
