package io.convexstream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.convexstream.cli.learn.OfflineLoop;
import io.convexstream.cli.report.Plots;
import io.convexstream.core.join.LoopJudge;
import io.convexstream.flink.loop.LoopSettings;
import io.convexstream.jobs.LearningLoopJob;
import io.convexstream.kafka.Topic;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** {@code convexstream learn} over a recording of events and feedback: the learning loop offline, and what it shows. */
public final class LoopReport {
  private final CommandLine cli;
  private final Path recording;
  private final List<String> learners;
  private final Map<String, String> options;
  private final String loss;
  private final Path parametersFile;
  private final Path report;
  private final boolean json;

  LoopReport(CommandLine cli, Path recording, List<String> learners, Map<String, String> options, String loss, Path parametersFile,
      Path report, boolean json) {
    this.cli = cli;
    this.recording = recording;
    this.learners = learners;
    this.options = options;
    this.loss = loss;
    this.parametersFile = parametersFile;
    this.report = report;
    this.json = json;
  }

  int call() throws IOException {
    Map<String, String> jobOptions = new HashMap<>(options);
    jobOptions.put(LearningLoopJob.LEARNERS.key(), String.join(",", learners));
    jobOptions.putIfAbsent(LearningLoopJob.LOSS.key(), loss);
    LoopSettings s = new LearningLoopJob().settings(jobOptions);
    OfflineLoop.Result result = OfflineLoop.run(s, LearnCommand.decode(recording, Topic.EVENTS, LearningEvent.class),
        LearnCommand.decode(recording, Topic.FEEDBACK, Feedback.class));
    PrintWriter out = cli.getOut();
    String source = recording.getFileName().toString();
    if (!json) {
      out.printf("%s: %d models, %d events, %d feedback (%d invalid)%n", source, result.models().size(), result.events(), result.feedback(),
          result.invalid());
      for (OfflineLoop.ModelResult m : result.models().values()) {
        double[] f = m.figures();
        out.printf("model %s: %d scored, %d joined, %d expired, %d learnt as negative, %d refused by the join %s; delay p50 %s ms, "
                + "p99 %s ms; champion %s after %d windows (%d promotions)%n", m.model(), (long) f[figure("scored")],
            (long) f[figure("joined")], (long) f[figure("expired")], (long) f[figure("learntAsNegative")], (long) f[figure("joinRefused")],
            m.deadLetters(), f[figure("delayP50Ms")], f[figure("delayP99Ms")], m.champion(), m.decisions().size(),
            m.decisions().stream().filter(OfflineLoop.Decision::promoted).count());
        out.printf("  %-28s %16s %9s%n", "learner", "mean served loss", "accuracy");
        for (int i = 0; i < m.learners().size(); i++) {
          out.printf("  %-28s %16.6g %9s%n", m.learners().get(i), m.meanServedLoss()[i],
              Double.isNaN(m.accuracy()[i]) ? "-" : String.format("%.4f", m.accuracy()[i]));
        }
      }
    } else {
      ObjectNode root = Json.object().put("source", source).put("events", result.events()).put("feedback", result.feedback())
          .put("invalid", result.invalid());
      ArrayNode models = root.putArray("models");
      for (OfflineLoop.ModelResult m : result.models().values()) {
        ObjectNode node = models.addObject().put("model", m.model()).put("champion", m.champion());
        for (int k = 0; k < LoopJudge.FIGURES.size(); k++) {
          if (k != figure("champion")) { // named above
            node.put(LoopJudge.FIGURES.get(k), Json.number(m.figures()[k]));
          }
        }
        ArrayNode ls = node.putArray("learners");
        for (int i = 0; i < m.learners().size(); i++) {
          ls.addObject().put("learner", m.learners().get(i)).put("meanServedLoss", Json.number(m.meanServedLoss()[i]))
              .put("accuracy", Json.number(m.accuracy()[i]));
        }
        node.put("windows", m.decisions().size()).put("promotions", m.decisions().stream().filter(OfflineLoop.Decision::promoted).count());
      }
      out.println(Json.write(root));
    }
    if (parametersFile != null) {
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(parametersFile))) {
        for (OfflineLoop.ModelResult m : result.models().values()) {
          for (int i = 0; i < m.learners().size(); i++) {
            ObjectNode line = Json.object().put("learner", m.learners().get(i)).put("model", m.model())
                .put("champion", m.learners().get(i).equals(m.champion()));
            line.set("parameters", Json.numbers(m.parameters().get(i)));
            w.println(Json.write(line));
          }
        }
      }
    }
    if (report != null) {
      Files.createDirectories(report);
      for (OfflineLoop.ModelResult m : result.models().values()) {
        Path png = report.resolve("loop-" + m.model().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
        plot(png, "Progressive loss of the served scores, model " + m.model(), m.learners(), s.rule().window(), m.decisions());
        if (!json) {
          out.println("plot: " + png.toAbsolutePath());
        }
      }
    }
    out.flush();
    return 0;
  }

  private static int figure(String name) {
    return LoopJudge.FIGURES.indexOf(name);
  }

  /**
   * Every learner's mean served loss per champion window (x: the window's end, minutes from the
   * first), and each promotion as a vertical line at the end of the window that decided it.
   */
  public static void plot(Path png, String title, List<String> names, long window, List<OfflineLoop.Decision> decisions) throws IOException {
    if (decisions.isEmpty()) {
      return;
    }
    long t0 = decisions.get(0).windowStart();
    Map<String, double[][]> series = new LinkedHashMap<>();
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < names.size(); i++) {
      double[] x = new double[decisions.size()];
      double[] y = new double[decisions.size()];
      for (int k = 0; k < x.length; k++) {
        x[k] = (decisions.get(k).windowStart() + window - t0) / 60_000.0;
        y[k] = decisions.get(k).meanLoss()[i];
        lo = Math.min(lo, y[k]);
        hi = Math.max(hi, y[k]);
      }
      series.put(names.get(i), new double[][] {x, y});
    }
    for (OfflineLoop.Decision d : decisions) {
      if (d.promoted()) {
        double at = (d.windowStart() + window - t0) / 60_000.0;
        series.put("promoted " + d.champion() + " at " + Math.round(at) + " min", new double[][] {{at, at}, {lo, hi}});
      }
    }
    Plots.lines(png, title, "minutes of event time (end of each champion window)", "mean loss of the served scores in the window", false,
        series);
  }
}
