package io.convexstream.cli.demo;

import io.convexstream.cli.LoopReport;
import io.convexstream.cli.learn.OfflineLoop;
import io.convexstream.flink.loop.LoopSettings;
import io.convexstream.jobs.LearningLoopJob;
import io.convexstream.jobs.StreamJob;
import io.convexstream.kafka.Topic;
import io.convexstream.kafka.TopicClient;
import io.convexstream.kafka.feeds.ClickStream;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The learning loop's demo: a click stream (impressions a second apart, clicks seen 1–130 s later
 * (feedback.maxDelay is 2 min) or lost, the ads' appeal reshuffled halfway) scored and learnt from by a slow champion and
 * two challengers; the plot shows each window's progressive loss of the served scores and the
 * promotions. The report checks the job against the same loop run offline on the same records: the
 * champion's parameters bit for bit, the decisions one for one.
 */
public final class LoopDemo implements DemoPipeline {
  public static final String MODEL = "demo-ctr";
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  /** Bad records: undecodable bytes and a NaN label (dead-lettered at decoding). */
  private static final int BAD_RECORDS = 2;

  private final int events;
  private final List<Object> eventsSent = new ArrayList<>();
  private final List<Object> feedbackSent = new ArrayList<>();

  public LoopDemo(int events) {
    this.events = events;
  }

  @Override
  public StreamJob job() {
    return new LearningLoopJob();
  }

  @Override
  public Map<String, String> options() {
    // the demo's topics hold one model: the other partitions are idle, and the watermark moves on without them
    return Map.of("learners", "ftrl;ftrl.alpha=0.02,ftrl;ftrl.alpha=0.3,ogd;domain=ball:20", "features.dim", "4096",
        "feedback.maxDelay", "2 min", "outOfOrder", "5 min", "idleTimeout", "10 s", "champion.window", "10 min",
        "champion.minJoined", "100", "champion.margin", "0.02");
  }

  @Override
  public List<Topic> inputs() {
    return List.of(Topic.EVENTS, Topic.FEEDBACK);
  }

  /**
   * Both inputs in one event-time order, as a live producer would send them, and a last event and
   * feedback a day later that carry the watermark past everything before them.
   */
  @Override
  public void feed(Feed kafka) {
    eventsSent.clear();
    feedbackSent.clear();
    ClickStream s = ClickStream.generate(MODEL, events, START, 1000, 1000, 130_000, 0.25, 7);
    List<Object> all = new ArrayList<>(s.events());
    all.addAll(s.feedback());
    Instant end = START.plus(Duration.ofDays(1));
    all.add(new LearningEvent(MODEL, "closing", null, Map.of("bias", 1.0), end));
    all.add(new Feedback(MODEL, "closing", 1.0, 1.0, end));
    all.sort(Comparator.comparing(LoopDemo::timeOf));
    for (Object o : all) {
      if (o instanceof LearningEvent e) {
        kafka.send(Topic.EVENTS, MODEL, e);
        eventsSent.add(e);
      } else {
        kafka.send(Topic.FEEDBACK, MODEL, (Feedback) o);
        feedbackSent.add(o);
      }
    }
    kafka.sendRaw(Topic.FEEDBACK, MODEL, "not avro".getBytes(StandardCharsets.UTF_8));
    kafka.send(Topic.FEEDBACK, MODEL, new Feedback(MODEL, MODEL + "-3", Double.NaN, 1.0, end));
  }

  private static Instant timeOf(Object o) {
    return o instanceof LearningEvent e ? e.getEventTime() : ((Feedback) o).getEventTime();
  }

  @Override
  public Report report(TopicClient kafka, Path outDir, PrintStream out) throws IOException {
    LoopSettings settings = new LearningLoopJob().settings(options());
    // what the job must publish: the same loop offline, on every input but the closing pair (the watermark never passes them)
    OfflineLoop.ModelResult expected = OfflineLoop.run(settings, eventsSent.subList(0, eventsSent.size() - 1),
        feedbackSent.subList(0, feedbackSent.size() - 1)).models().get(MODEL);
    int expectedDead = BAD_RECORDS + expected.deadLetters().values().stream().mapToInt(Integer::intValue).sum();
    List<Prediction> predictions = kafka.read(Topic.PREDICTIONS, Prediction.class, p -> p.getModelId().equals(MODEL), events,
        Duration.ofSeconds(120));
    List<ChampionDecision> decisions = kafka.read(Topic.CHAMPIONS, ChampionDecision.class, d -> d.getModelId().equals(MODEL),
        expected.decisions().size(), Duration.ofSeconds(60));
    List<DeadLetter> deadLetters = DemoPipeline.deadLetters(kafka, job().name(), expectedDead);
    int joined = (int) expected.figures()[io.convexstream.core.join.LoopJudge.FIGURES.indexOf("joined")];
    ParameterAssembler assembler = new ParameterAssembler();
    kafka.read(Topic.PARAMETERS, ParameterUpdate.class, u -> u.getModelId().equals(MODEL), joined, Duration.ofSeconds(60))
        .forEach(assembler::accept);
    ParameterAssembler.Model champion = assembler.latest(MODEL);
    int servingIndex = expected.learners().indexOf(expected.champion());
    boolean sameParameters = champion != null && Arrays.equals(champion.parameters(), expected.parameters().get(servingIndex));

    out.println();
    out.printf("Learning loop (events): %d impressions, clicks seen 1 - 130 s later (maxDelay 2 min) or lost (25 %%), the ads' appeal reshuffled halfway%n",
        events);
    out.printf("  learners %s; %d predictions, %d champion windows, %d promotions; champion now %s%n", expected.learners(), predictions.size(),
        decisions.size(), decisions.stream().filter(ChampionDecision::getPromoted).count(),
        decisions.isEmpty() ? expected.learners().get(0) : decisions.get(decisions.size() - 1).getChampion());
    out.printf("  %-28s %16s %9s%n", "learner", "mean served loss", "accuracy");
    for (int i = 0; i < expected.learners().size(); i++) {
      out.printf("  %-28s %16.4f %9.4f%n", expected.learners().get(i), expected.meanServedLoss()[i], expected.accuracy()[i]);
    }
    out.printf("  the job's champion parameters equal the offline loop's bit for bit: %s%n", sameParameters ? "yes" : "NO");
    // feedback after maxDelay is the bulk of them: counted by reason
    Map<String, Long> byReason = new java.util.TreeMap<>();
    deadLetters.forEach(d -> byReason.merge(d.getReason().split(":")[0], 1L, Long::sum));
    out.printf("  dead letters: %d %s%n", deadLetters.size(), byReason);
    List<OfflineLoop.Decision> plotted = new ArrayList<>();
    for (ChampionDecision d : decisions) {
      plotted.add(new OfflineLoop.Decision(d.getWindowStart().toEpochMilli(), d.getChampion(), d.getPrevious(), d.getPromoted(),
          d.getMeanLoss().stream().mapToDouble(Double::doubleValue).toArray(), d.getJoined()));
    }
    Path plot = outDir.resolve("loop-progressive-loss.png");
    LoopReport.plot(plot, "Progressive loss of the served scores per 10-minute window (streaming)", expected.learners(),
        settings.rule().window(), plotted);
    int expectedOutputs = events + expected.decisions().size();
    int outputs = predictions.size() + (sameParameters && decisions.size() == expected.decisions().size() ? decisions.size() : 0);
    return new Report(job().name(), expectedOutputs, outputs, expectedDead, deadLetters.size(), List.of(plot));
  }
}
