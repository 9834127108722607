package io.convexstream.cli.demo;

import io.convexstream.cli.report.Plots;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.LinearLossStream;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The gradient pipeline's demo data and report: seeded stochastic linear losses for a few models
 * (so regret is exact; a linear loss's gradient does not depend on the point, so workers can send
 * them ahead), plus deliberately bad records that must end up as dead letters.
 */
public final class GradientDemo implements DemoPipeline {
  /** One demo model: its id, dimension and gradient noise. */
  public record Model(String id, int dim, double noise) {}

  public static final List<Model> MODELS = List.of(
      new Model("quiet-8", 8, 0.2), new Model("noisy-64", 64, 0.5), new Model("wide-512", 512, 0.8));
  /** The decision set: the ball of radius R. */
  public static final double RADIUS = 1.0;
  /** Bad records injected: undecodable bytes, a NaN, a wrong dimension, a duplicate step. */
  public static final int BAD_RECORDS = 4;

  private final int steps;
  private final Map<String, List<Gradient>> sent = new LinkedHashMap<>();

  public GradientDemo(int steps) {
    this.steps = steps;
  }

  @Override
  public StreamJob job() {
    return LearnerJob.gradients();
  }

  @Override
  public Map<String, String> options() {
    return Map.of("learner", "oomd", "learner.domain", "ball:" + RADIUS, "learner.G", "1");
  }

  private int expectedOutputs() {
    return MODELS.size() * steps;
  }

  /** Sends every model's gradients (round-robin over models) and the bad records to Kafka. */
  @Override
  public List<Topic> inputs() {
    return List.of(Topic.GRADIENTS);
  }

  @Override
  public void feed(Feed kafka) {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Map<String, LinearLossStream> streams = new LinkedHashMap<>();
    long seed = 42;
    for (Model m : MODELS) {
      streams.put(m.id(), new LinearLossStream(m.id(), m.dim(), 0.5, m.noise(), seed++));
      sent.put(m.id(), new ArrayList<>());
    }
    String first = MODELS.get(0).id();
    for (int t = 1; t <= steps; t++) {
      for (Model m : MODELS) {
        Gradient g = streams.get(m.id()).next(t0.plusSeconds(t));
        sent.get(m.id()).add(g);
        kafka.send(Topic.GRADIENTS, m.id(), g);
      }
      if (t == 5) {
        Gradient last = sent.get(first).get(4);
        kafka.sendRaw(Topic.GRADIENTS, first, "this is not Avro".getBytes(StandardCharsets.UTF_8));
        kafka.send(Topic.GRADIENTS, first, withVector(last, 1_000_000, new NumericVector(8, null, nanVector(8))));
        kafka.send(Topic.GRADIENTS, first, withVector(last, 1_000_001, new NumericVector(9, null, nanFree(9))));
        kafka.send(Topic.GRADIENTS, first, last); // step 5 again: a duplicate
      }
    }
  }

  private static Gradient withVector(Gradient g, long step, NumericVector v) {
    return Gradient.newBuilder(g).setStep(step).setProducerId("bad-worker").setGradient(v).build();
  }

  private static List<Double> nanVector(int d) {
    List<Double> v = new ArrayList<>(nanFree(d));
    v.set(3, Double.NaN);
    return v;
  }

  private static List<Double> nanFree(int d) {
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < d; i++) {
      v.add(0.1);
    }
    return v;
  }

  /** Regret of each model's published decisions against the best fixed point in hindsight, per round. */
  public Map<String, double[]> regret(List<ParameterUpdate> updates) {
    Map<String, List<ParameterUpdate>> byModel = updates.stream()
        .collect(Collectors.groupingBy(u -> u.getModelId(), TreeMap::new, Collectors.toList()));
    Map<String, double[]> out = new LinkedHashMap<>();
    for (var e : sent.entrySet()) {
      List<ParameterAssembler.Model> us = ParameterAssembler.everyVersion(byModel.getOrDefault(e.getKey(), List.of()))
          .getOrDefault(e.getKey(), List.of());
      List<Gradient> gs = e.getValue();
      int rounds = Math.min(us.size(), gs.size());
      int d = gs.get(0).getGradient().getDim();
      double[] x = new double[d];
      double[] sum = new double[d];
      double learnerLoss = 0;
      double[] regret = new double[rounds];
      for (int t = 0; t < rounds; t++) {
        List<Double> g = gs.get(t).getGradient().getValues();
        for (int i = 0; i < d; i++) {
          learnerLoss += g.get(i) * x[i];
          sum[i] += g.get(i);
        }
        double sumNorm = 0;
        for (double s : sum) {
          sumNorm += s * s;
        }
        regret[t] = learnerLoss + RADIUS * Math.sqrt(sumNorm); // best fixed loss is −R·||Σg||
        x = us.get(t).parameters();
      }
      out.put(e.getKey(), regret);
    }
    return out;
  }

  /** Prints the per-model table and the dead letters, and plots regret vs t. */
  @Override
  public Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException {
    List<ParameterUpdate> updates = kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> sent.containsKey(u.getModelId()),
        expectedOutputs(), Duration.ofSeconds(120));
    List<DeadLetter> deadLetters = DemoPipeline.deadLetters(kafka, job().name(), BAD_RECORDS);
    Map<String, double[]> regret = regret(updates);
    out.println();
    out.println("Gradient pipeline (gradient mode): optimistic OMD on stochastic linear losses, one learner per model");
    out.printf("  %-10s %5s %8s %12s %12s%n", "model", "dim", "updates", "regret(T)", "regret/sqrtT");
    Map<String, double[][]> series = new LinkedHashMap<>();
    for (Model m : MODELS) {
      double[] r = regret.get(m.id());
      int n = r.length;
      double last = n == 0 ? Double.NaN : r[n - 1];
      out.printf("  %-10s %5d %8d %12.3f %12.3f%n", m.id(), m.dim(), n, last, last / Math.sqrt(Math.max(1, n)));
      double[] ts = new double[n];
      for (int t = 0; t < n; t++) {
        ts[t] = t + 1;
      }
      series.put(m.id(), new double[][] {ts, r});
    }
    DemoPipeline.printDeadLetters(deadLetters, out);
    Path plot = Plots.lines(outDir.resolve("gradients-regret.png"), "Regret of optimistic OMD (stochastic linear losses, gradient mode)",
        "round t", "regret vs best fixed point", false, series);
    return new Report(job().name(), expectedOutputs(), updates.size(), BAD_RECORDS, deadLetters.size(), List.of(plot));
  }
}
