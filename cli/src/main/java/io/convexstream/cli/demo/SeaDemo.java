package io.convexstream.cli.demo;

import io.convexstream.cli.report.Plots;
import io.convexstream.core.learn.Loss;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.core.synthetic.SeaStream;
import io.convexstream.jobs.LearnerJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The example pipeline's demo: SEA streams f_t(x) = (a/2)||x − c_t||² + ⟨ξ_t, x⟩ sent as examples
 * of the "distance" loss, each stream learned by OGD and by optimistic OMD side by side (model ids
 * {@code ogd/<stream>} and {@code oomd/<stream>}), with exact static regret and tracking regret.
 */
public final class SeaDemo implements DemoPipeline {
  private static final int DIM = 10;
  private static final double RADIUS = 1.0;
  private static final List<String> LEARNERS = List.of("ogd", "oomd");

  /** A demo stream: name, centre path and its parameter, noise. */
  private record Scenario(String name, SeaStream.Path path, double parameter, double noise) {}

  private static final List<Scenario> SCENARIOS = List.of(
      new Scenario("fixed", SeaStream.Path.FIXED, 0, 0.05),
      new Scenario("switching", SeaStream.Path.SWITCHING, 200, 0.05));

  private final int steps;
  private final Map<String, List<SeaStream.Loss>> losses = new LinkedHashMap<>();

  public SeaDemo(int steps) {
    this.steps = steps;
  }

  @Override
  public StreamJob job() {
    return LearnerJob.examples();
  }

  @Override
  public Map<String, String> options() {
    return Map.of("loss", "distance", "learner", "oomd", "learner.domain", "ball:" + RADIUS, "learner.G", "3",
        "override.ogd/", "ogd;domain=ball:" + RADIUS + ";G=3");
  }

  @Override
  public List<Topic> inputs() {
    return List.of(Topic.EXAMPLES);
  }

  @Override
  public void feed(Feed kafka) {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    long seed = 7;
    for (Scenario s : SCENARIOS) {
      SeaStream sea = new SeaStream(DIM, 1.0, s.noise(), s.path(), s.parameter(), RADIUS, seed++);
      List<SeaStream.Loss> ls = new ArrayList<>();
      for (int t = 1; t <= steps; t++) {
        SeaStream.Loss f = sea.next();
        ls.add(f);
        // the comparator the producer knows: this round's expected-loss minimiser c_t
        double comparator = Loss.DISTANCE.value(f.centre(), GradientVector.dense(f.target()), 0, f.curvature());
        for (String learner : LEARNERS) {
          String model = learner + "/" + s.name();
          LabelledExample e = toExample(model, t, f, t0.plusSeconds(t));
          e.setComparatorLoss(comparator);
          kafka.send(Topic.EXAMPLES, model, e);
        }
      }
      losses.put(s.name(), ls);
    }
  }

  private int expectedOutputs() {
    return SCENARIOS.size() * LEARNERS.size() * steps;
  }

  @Override
  public Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException {
    List<ParameterUpdate> outputs = kafka.read(Topic.PARAMETERS, ParameterUpdate.class,
        u -> LEARNERS.stream().anyMatch(l -> u.getModelId().startsWith(l + "/")), expectedOutputs(), Duration.ofSeconds(120));
    List<DeadLetter> deadLetters = DemoPipeline.deadLetters(kafka, job().name(), 0);
    out.println();
    out.println("Example pipeline (example mode): SEA streams, OGD vs optimistic OMD on the same data");
    out.printf("  %-16s %8s %14s %16s %16s%n", "model", "updates", "static regret", "tracking regret", "operator regret");
    Map<String, double[][]> staticSeries = new LinkedHashMap<>();
    Map<String, double[][]> trackingSeries = new LinkedHashMap<>();
    for (Scenario s : SCENARIOS) {
      for (String learner : LEARNERS) {
        String model = learner + "/" + s.name();
        List<ParameterAssembler.Model> us = ParameterAssembler.everyVersion(outputs).getOrDefault(model, List.of());
        List<SeaStream.Loss> ls = losses.get(s.name());
        int n = Math.min(us.size(), ls.size());
        SeaStream.Regret regret = new SeaStream.Regret(DIM, RADIUS);
        double[] x = new double[DIM];
        double[] ts = new double[n];
        double[] staticRegret = new double[n];
        double[] tracking = new double[n];
        double track = 0;
        for (int t = 0; t < n; t++) {
          SeaStream.Loss f = ls.get(t);
          regret.add(f, x);
          GradientVector z = GradientVector.dense(f.target());
          track += Loss.DISTANCE.value(x, z, 0, f.curvature()) - Loss.DISTANCE.value(f.centre(), z, 0, f.curvature());
          ts[t] = t + 1;
          staticRegret[t] = regret.value();
          tracking[t] = track;
          x = us.get(t).parameters();
        }
        Double operatorRegret = n == 0 ? null : us.get(n - 1).metrics().get("regret");
        out.printf("  %-16s %8d %14.3f %16.3f %16.3f%n", model, n, n == 0 ? Double.NaN : staticRegret[n - 1],
            track, operatorRegret == null ? Double.NaN : operatorRegret);
        (s.path() == SeaStream.Path.FIXED ? staticSeries : trackingSeries).put(model, new double[][] {ts,
            s.path() == SeaStream.Path.FIXED ? staticRegret : tracking});
      }
    }
    out.println("  (static: vs the best fixed point in hindsight; tracking: vs each round's optimum c_t;");
    out.println("   operator regret: the job's own running regret metric against the c_t the producer sent)");
    DemoPipeline.printDeadLetters(deadLetters, out);
    List<Path> plots = List.of(
        Plots.lines(outDir.resolve("sea-static-regret.png"), "SEA stream, fixed centre, noise 0.05: regret vs best fixed point",
            "round t", "regret", false, staticSeries),
        Plots.lines(outDir.resolve("sea-tracking-regret.png"), "SEA stream, centre switches every 200 rounds: regret vs moving optimum",
            "round t", "tracking (dynamic) regret", false, trackingSeries));
    return new Report(job().name(), expectedOutputs(), outputs.size(), 0, deadLetters.size(), plots);
  }

  /** The loss as a labelled example for the "distance" loss: features z_t, weight a. */
  private static LabelledExample toExample(String modelId, long step, SeaStream.Loss loss, Instant eventTime) {
    List<Double> z = new ArrayList<>();
    for (double v : loss.target()) {
      z.add(v);
    }
    return LabelledExample.newBuilder()
        .setModelId(modelId).setStep(step).setProducerId("sea")
        .setFeatures(new NumericVector(z.size(), null, z))
        .setLabel(0.0).setWeight(loss.curvature()).setEventTime(eventTime)
        .build();
  }
}
