package io.convexstream.flink.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.join.ChampionRule;
import io.convexstream.core.join.FeedbackJoin;
import io.convexstream.core.join.HeapJoinStore;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.Loss;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.RawRecord;
import io.convexstream.flink.omd.LearnerSettings;
import io.convexstream.schemas.ChampionDecision;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Feedback;
import io.convexstream.schemas.LearningEvent;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.Prediction;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeedbackLoopFunctionTest {
  private static final int DIM = 64;
  private static final long DELAY = 1_000;
  private static final LearnerConfig FTRL = LearnerConfig.of("ftrl", "ftrl.alpha=0.5");
  private static final LearnerConfig OGD = LearnerConfig.of("ogd", "G=4");

  private long offset;

  private static LoopSettings settings(boolean negativeOnMissing, LearnerConfig... learners) {
    return settings(negativeOnMissing, new ChampionRule(Long.MAX_VALUE / 4, 0.01, 1, true), learners);
  }

  private static LoopSettings settings(boolean negativeOnMissing, ChampionRule rule, LearnerConfig... learners) {
    List<String> names = new ArrayList<>();
    for (LearnerConfig c : learners) {
      names.add(c.algorithm());
    }
    return new LoopSettings(new LoopSettings.Lineup(names, List.of(learners)), null, Loss.LOGISTIC, DIM, DELAY, negativeOnMissing, rule, 1,
        LearnerSettings.Publication.DEFAULT);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, Decoded<LearningEvent>, Decoded<Feedback>, ParameterUpdate> harness(
      LoopSettings s, String backend) throws Exception {
    var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new FeedbackLoopFunction("test", s)),
        (Decoded<LearningEvent> d) -> d.value.getModelId(), (Decoded<Feedback> d) -> d.value.getModelId(), Types.STRING);
    if (backend.equals("rocksdb")) {
      h.setStateBackend(new EmbeddedRocksDBStateBackend());
    }
    return h;
  }

  private Decoded<LearningEvent> event(String id, long time, Map<String, Double> features) {
    return event("m", id, time, features);
  }

  private Decoded<LearningEvent> event(String model, String id, long time, Map<String, Double> features) {
    return new Decoded<>(new LearningEvent(model, id, null, features, Instant.ofEpochMilli(time)),
        new RawRecord("convexstream.events", 0, offset++, time, model.getBytes(), null));
  }

  private Decoded<Feedback> feedback(String id, long time, double label) {
    return feedback("m", id, time, label);
  }

  private Decoded<Feedback> feedback(String model, String id, long time, double label) {
    return new Decoded<>(new Feedback(model, id, label, 1.0, Instant.ofEpochMilli(time)),
        new RawRecord("convexstream.feedback", 0, offset++, time, model.getBytes(), null));
  }

  private static Map<String, Double> features(Random r) {
    Map<String, Double> f = new TreeMap<>();
    for (int k = 0; k < 4; k++) {
      f.put("f" + r.nextInt(40), r.nextGaussian());
    }
    return f;
  }

  private static List<String> reasons(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h) {
    List<String> reasons = new ArrayList<>();
    if (h.getSideOutput(DeadLetters.TAG) != null) {
      for (StreamRecord<DeadLetter> d : h.getSideOutput(DeadLetters.TAG)) {
        reasons.add(d.getValue().getSourceTopic() + " " + d.getValue().getReason().split(":")[0]);
      }
    }
    return reasons;
  }

  private static <T> List<T> side(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h, org.apache.flink.util.OutputTag<T> tag) {
    List<T> out = new ArrayList<>();
    if (h.getSideOutput(tag) != null) {
      h.getSideOutput(tag).forEach(r -> out.add(r.getValue()));
    }
    return out;
  }

  /** Every case of the join, whatever the order the two inputs arrive in. */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void joinsInEventTimeAndDeadLettersWhatItCannotJoin(String backend) throws Exception {
    Map<String, Double> f = Map.of("a", 1.0, "b", -2.0);
    try (var h = harness(settings(false, FTRL), backend)) {
      h.open();
      h.processElement2(new StreamRecord<>(feedback("before", 150, 1))); // arrives before its event: waits
      h.processElement1(new StreamRecord<>(event("before", 100, f)));
      h.processElement1(new StreamRecord<>(event("edge", 200, f)));
      h.processElement2(new StreamRecord<>(feedback("edge", 200 + DELAY, -1))); // exactly at maxDelay: joined
      h.processElement1(new StreamRecord<>(event("tooLate", 300, f)));
      h.processElement2(new StreamRecord<>(feedback("tooLate", 300 + DELAY + 1, 1))); // the event expired first
      h.processElement2(new StreamRecord<>(feedback("before", 160, 1))); // duplicate
      h.processElement2(new StreamRecord<>(feedback("nobody", 170, 1)));
      h.processElement1(new StreamRecord<>(event("edge", 250, f))); // a second event with a kept id
      h.processElement1(new StreamRecord<>(event("never", 400, f))); // no feedback: expires
      h.processBothWatermarks(new Watermark(350));
      h.processElement1(new StreamRecord<>(event("behind", 280, f))); // behind what was played (300)
      h.processElement1(new StreamRecord<>(event("after", 340, f))); // behind the watermark, after everything played: still in order
      h.processBothWatermarks(new Watermark(Long.MAX_VALUE));

      assertThat(side(h, FeedbackLoopFunction.PREDICTIONS)).extracting(Prediction::getEventId)
          .containsExactly("before", "edge", "tooLate", "after", "never");
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getVersion).containsExactly(1L, 2L);
      assertThat(reasons(h)).containsExactlyInAnyOrder("convexstream.feedback duplicate feedback", "convexstream.feedback unknown event",
          "convexstream.events duplicate event", "convexstream.events late", "convexstream.feedback feedback after maxDelay");
      Map<String, Double> metrics = h.extractOutputValues().get(1).getMetrics();
      assertThat(metrics).containsEntry("joined", 2.0).containsEntry("scored", 5.0).doesNotContainKey("early");
      // the figures at the last publication: later counts are gauges (and in the next publication)
      assertThat(metrics.get("delayP50Ms")).isEqualTo(64.0); // 50 ms is in the bucket below 2^6
    }
  }

  /** With feedback.missing=negative an event without feedback is learnt as label −1 at its deadline. */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void learnsAMissingLabelAsNegative(String backend) throws Exception {
    try (var h = harness(settings(true, FTRL), backend)) {
      h.open();
      h.processElement1(new StreamRecord<>(event("e1", 100, Map.of("a", 1.0))));
      h.processBothWatermarks(new Watermark(100 + DELAY - 1));
      assertThat(h.extractOutputValues()).isEmpty();
      h.processBothWatermarks(new Watermark(100 + DELAY));
      assertThat(h.extractOutputValues()).hasSize(1);
      double[] x = latest(h.extractOutputValues());
      assertThat(x[io.convexstream.schemas.features.FeatureHashing.index("a", DIM)]).isNegative();
      assertThat(h.extractOutputValues().get(0).getMetrics()).containsEntry("learntAsNegative", 1.0).containsEntry("joined", 0.0);
    }
  }

  /**
   * A random stream with random delays and lost labels, the inputs shuffled in arrival: the scores
   * served and the parameters equal the core learners' fed the same joins in event time, for the
   * champion and a challenger, on the heap and on RocksDB, through a snapshot and restore.
   */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void scoresAndLearnsAsTheCoreDoesInAnyArrivalOrder(String backend) throws Exception {
    Random r = new Random(3);
    List<Object[]> inputs = new ArrayList<>(); // {kind, id, time, features or label}
    for (int i = 0; i < 200; i++) {
      long t = i * 37L;
      inputs.add(new Object[] {"event", "e" + i, t, features(r)});
      if (r.nextDouble() < 0.8) {
        inputs.add(new Object[] {"feedback", "e" + i, t + (long) (r.nextDouble() * DELAY * 1.2), r.nextBoolean() ? 1.0 : -1.0});
      }
    }
    Expected expected = expected(inputs, FTRL, OGD);
    for (long seed : new long[] {1, 2}) {
      List<Object[]> arrival = new ArrayList<>(inputs);
      Collections.shuffle(arrival, new Random(seed));
      List<Prediction> predictions = new ArrayList<>();
      List<ParameterUpdate> updates = new ArrayList<>();
      List<String> deadLetters = new ArrayList<>();
      OperatorSubtaskState snapshot;
      LoopSettings s = settings(false, FTRL, OGD);
      try (var h = harness(s, backend)) {
        h.open();
        feed(h, arrival.subList(0, 200));
        snapshot = h.snapshot(1, 1);
        predictions.addAll(side(h, FeedbackLoopFunction.PREDICTIONS));
        updates.addAll(h.extractOutputValues());
        deadLetters.addAll(reasons(h));
      }
      try (var h = harness(s, backend)) {
        h.initializeState(snapshot);
        h.open();
        feed(h, arrival.subList(200, arrival.size()));
        h.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        predictions.addAll(side(h, FeedbackLoopFunction.PREDICTIONS));
        updates.addAll(h.extractOutputValues());
        deadLetters.addAll(reasons(h));
      }
      predictions.sort(java.util.Comparator.comparing(p -> Integer.parseInt(p.getEventId().substring(1))));
      assertThat(predictions).extracting(Prediction::getScore).containsExactlyElementsOf(expected.ftrlScores);
      assertThat(predictions).extracting(p -> p.getChallengers().get(0).getScore()).containsExactlyElementsOf(expected.ogdScores);
      assertThat(latest(updates)).containsExactly(expected.ftrl);
      assertThat(expected.deadLetters).isNotEmpty(); // feedback later than maxDelay
      assertThat(deadLetters).containsExactlyInAnyOrderElementsOf(expected.deadLetters);
    }
  }

  private static double[] latest(List<ParameterUpdate> updates) {
    return latest(updates, "m");
  }

  private static double[] latest(List<ParameterUpdate> updates, String model) {
    ParameterAssembler a = new ParameterAssembler();
    updates.forEach(a::accept);
    return a.latest(model).parameters();
  }

  /** Models under a prefix with learners of their own score and learn with those; the others with the job's. */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void eachModelHasTheLearnersOfItsLongestPrefix(String backend) throws Exception {
    Random r = new Random(11);
    List<Object[]> inputs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      inputs.add(new Object[] {"event", "e" + i, i * 37L, features(r)});
      inputs.add(new Object[] {"feedback", "e" + i, i * 37L + 500, r.nextBoolean() ? 1.0 : -1.0});
    }
    LoopSettings one = settings(false, FTRL);
    LoopSettings s = new LoopSettings(one.lineup(), Map.of("ads/", new LoopSettings.Lineup(List.of("ogd", "ftrl"), List.of(OGD, FTRL)),
        "ads/x/", new LoopSettings.Lineup(List.of("ftrl", "ogd"), List.of(FTRL, OGD))), null, Loss.LOGISTIC, DIM, DELAY, false, one.rule(), 1,
        LearnerSettings.Publication.DEFAULT);
    Expected alone = expected(inputs, FTRL);
    Expected ogdFirst = expected(inputs, OGD, FTRL);
    try (var h = harness(s, backend)) {
      h.open();
      for (String model : List.of("m", "ads/1", "ads/x/1")) {
        for (Object[] in : inputs) {
          if (in[0].equals("event")) {
            @SuppressWarnings("unchecked")
            Map<String, Double> f = (Map<String, Double>) in[3];
            h.processElement1(new StreamRecord<>(event(model, (String) in[1], (Long) in[2], f)));
          } else {
            h.processElement2(new StreamRecord<>(feedback(model, (String) in[1], (Long) in[2], (Double) in[3])));
          }
        }
      }
      h.processBothWatermarks(new Watermark(Long.MAX_VALUE));
      Map<String, List<Prediction>> byModel = new TreeMap<>();
      side(h, FeedbackLoopFunction.PREDICTIONS).forEach(p -> byModel.computeIfAbsent(p.getModelId(), k -> new ArrayList<>()).add(p));
      assertThat(byModel.get("m")).allSatisfy(p -> assertThat(p.getChallengers()).isEmpty());
      assertThat(byModel.get("m")).extracting(Prediction::getScore).containsExactlyElementsOf(alone.ftrlScores);
      assertThat(byModel.get("ads/1")).extracting(Prediction::getLearner).containsOnly("ogd");
      assertThat(byModel.get("ads/1")).extracting(Prediction::getScore).containsExactlyElementsOf(ogdFirst.ftrlScores);
      assertThat(byModel.get("ads/1")).extracting(p -> p.getChallengers().get(0).getScore()).containsExactlyElementsOf(ogdFirst.ogdScores);
      assertThat(byModel.get("ads/x/1")).extracting(Prediction::getLearner).containsOnly("ftrl");
      assertThat(byModel.get("ads/x/1")).extracting(Prediction::getScore).containsExactlyElementsOf(alone.ftrlScores);
      List<ParameterUpdate> updates = h.extractOutputValues();
      assertThat(latest(updates, "m")).containsExactly(alone.ftrl);
      assertThat(latest(updates, "ads/1")).containsExactly(ogdFirst.ftrl); // the first learner's: ogd serves
      assertThat(latest(updates, "ads/x/1")).containsExactly(alone.ftrl);
    }
  }

  private static void feed(KeyedTwoInputStreamOperatorTestHarness<String, Decoded<LearningEvent>, Decoded<Feedback>, ParameterUpdate> h,
      List<Object[]> inputs) throws Exception {
    FeedbackLoopFunctionTest t = new FeedbackLoopFunctionTest();
    for (Object[] in : inputs) {
      if (in[0].equals("event")) {
        @SuppressWarnings("unchecked")
        Map<String, Double> f = (Map<String, Double>) in[3];
        h.processElement1(new StreamRecord<>(t.event((String) in[1], (Long) in[2], f)));
      } else {
        h.processElement2(new StreamRecord<>(t.feedback((String) in[1], (Long) in[2], (Double) in[3])));
      }
    }
  }

  /** Scores and final parameters of the first learner given (named ftrl after the usual case), the second's scores. */
  private record Expected(List<Double> ftrlScores, List<Double> ogdScores, double[] ftrl, List<String> deadLetters) {}

  /** The core join on the heap, with the core learners on whole arrays and the examples' loss and gradient. */
  private static Expected expected(List<Object[]> inputs, LearnerConfig... configs) {
    OnlineLearner[] learners = new OnlineLearner[configs.length];
    for (int i = 0; i < configs.length; i++) {
      learners[i] = Learners.create(configs[i], DIM);
    }
    List<List<Double>> scores = List.of(new ArrayList<>(), new ArrayList<>());
    Map<String, GradientVector> byId = new java.util.HashMap<>();
    Map<String, Integer> order = new java.util.HashMap<>();
    List<String> deadLetters = new ArrayList<>();
    FeedbackJoin.Sink<GradientVector> sink = new FeedbackJoin.Sink<>() {
      @Override
      public void predict(String id, long time, GradientVector a) {
        for (int i = 0; i < learners.length; i++) {
          scores.get(i).add(a.dot(learners[i].decision()));
        }
        order.put(id, order.size());
      }

      @Override
      public void learn(String id, long time, GradientVector a, double y, double w, long feedbackTime, boolean missing) {
        for (OnlineLearner l : learners) {
          l.update(Loss.LOGISTIC.gradient(l.decision(), a, y, w));
        }
      }

      @Override
      public void expired(String id, long time) {}

      @Override
      public void deadLetter(FeedbackJoin.Item<GradientVector> item, String reason) {
        deadLetters.add("convexstream.feedback " + reason.split(":")[0]);
      }
    };
    FeedbackJoin<GradientVector> join = new FeedbackJoin<>(DELAY, false);
    HeapJoinStore<GradientVector> store = new HeapJoinStore<>();
    for (Object[] in : inputs) {
      if (in[0].equals("event")) {
        @SuppressWarnings("unchecked")
        var hashed = io.convexstream.schemas.features.FeatureHashing.sparse((Map<String, Double>) in[3], DIM);
        GradientVector a = new GradientVector(DIM, hashed.indices(), hashed.values());
        byId.put((String) in[1], a);
        join.event(store, sink, (String) in[1], (Long) in[2], a);
      } else {
        join.feedback(store, sink, (String) in[1], (Long) in[2], (Double) in[3], 1, null);
      }
    }
    join.advanceTo(store, sink, Long.MAX_VALUE);
    assertThat(order).hasSize(byId.size());
    return new Expected(scores.get(0), scores.get(1), learners[0].decision().clone(), deadLetters);
  }

  /** A learner that learns nothing loses to one that learns: promoted at a window's end, served from then on, and said so. */
  @ParameterizedTest
  @ValueSource(strings = {"heap", "rocksdb"})
  void promotesAChallengerThatBeatsTheChampion(String backend) throws Exception {
    LearnerConfig frozen = LearnerConfig.of("ogd", "G=1e12");
    LoopSettings s = settings(false, new ChampionRule(2_000, 0.05, 10, true), frozen, FTRL);
    Random r = new Random(5);
    try (var h = harness(s, backend)) {
      h.open();
      for (int i = 0; i < 300; i++) {
        Map<String, Double> f = Map.of("bias", 1.0, "x" + r.nextInt(3), 1.0);
        h.processElement1(new StreamRecord<>(event("e" + i, i * 20L, f)));
        h.processElement2(new StreamRecord<>(feedback("e" + i, i * 20L + 10, 1.0)));
      }
      h.processBothWatermarks(new Watermark(Long.MAX_VALUE));
      List<ChampionDecision> decisions = side(h, FeedbackLoopFunction.DECISIONS);
      assertThat(decisions).isNotEmpty();
      ChampionDecision first = decisions.get(0);
      assertThat(first.getPromoted()).isTrue();
      assertThat(first.getChampion()).isEqualTo("ftrl");
      assertThat(first.getPrevious()).isEqualTo("ogd");
      assertThat(first.getMeanLoss().get(1)).isLessThan(0.95 * first.getMeanLoss().get(0));
      assertThat(first.getWindowEnd().toEpochMilli() - first.getWindowStart().toEpochMilli()).isEqualTo(2_000);
      assertThat(decisions.subList(1, decisions.size())).allSatisfy(d -> assertThat(d.getPromoted()).isFalse());
      List<Prediction> predictions = side(h, FeedbackLoopFunction.PREDICTIONS);
      long switchedAt = first.getWindowEnd().toEpochMilli();
      // served by ogd until the decision, by ftrl after it (the decision comes with the first feedback of the next window)
      assertThat(predictions.get(0).getLearner()).isEqualTo("ogd");
      assertThat(predictions.get(predictions.size() - 1).getLearner()).isEqualTo("ftrl");
      assertThat(predictions).filteredOn(p -> p.getEventTime().toEpochMilli() > switchedAt + 20)
          .allSatisfy(p -> assertThat(p.getLearner()).isEqualTo("ftrl"));
      // the champion's first publication after the promotion is a snapshot: readers held the old champion's vector
      ParameterUpdate afterPromotion = h.extractOutputValues().stream()
          .filter(u -> u.getMetrics().get("champion") == 1.0).findFirst().orElseThrow();
      assertThat(afterPromotion.getBaseVersion()).isZero();
    }
  }
}
