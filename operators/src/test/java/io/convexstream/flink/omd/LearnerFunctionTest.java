package io.convexstream.flink.omd;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.learn.LearnerConfig;
import io.convexstream.core.learn.Learners;
import io.convexstream.core.learn.Loss;
import io.convexstream.core.learn.OnlineLearner;
import io.convexstream.core.linalg.GradientVector;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.Gradient;
import io.convexstream.schemas.LabelledExample;
import io.convexstream.schemas.NumericVector;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.schemas.publication.PackedVectors;
import io.convexstream.schemas.publication.ParameterAssembler;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class LearnerFunctionTest {
  private static final LearnerConfig OOMD = LearnerConfig.of("oomd", "domain=ball:1");
  private long offset;

  private Decoded<Gradient> grad(String model, long step, String producer, double... g) {
    Gradient r = new Gradient(model, step, producer, new NumericVector(g.length, null, Arrays.stream(g).boxed().toList()),
        null, null, Instant.ofEpochMilli(step));
    return new Decoded<>(r, new RawRecord("convexstream.gradients", 0, offset++, 0, model.getBytes(), null));
  }

  private static double[] g(long step) {
    return new double[] {Math.sin(step), Math.cos(3 * step)};
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> harness(LearnerSettings s) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("test", s, new RoundReader.Gradients(), Gradient.class)),
        (Decoded<Gradient> d) -> d.value.getModelId(), Types.STRING);
    return h;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> open(LearnerSettings s) throws Exception {
    var h = harness(s);
    h.open();
    return h;
  }

  private void send(KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> h, long... steps) throws Exception {
    for (long s : steps) {
      h.processElement(new StreamRecord<>(grad("m", s, "w", g(s))));
    }
  }

  private static List<String> reasons(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h) {
    return h.getSideOutput(DeadLetters.TAG) == null ? List.of()
        : h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).map(DeadLetter::getReason).toList();
  }

  /** The parameters of a one-record snapshot. */
  private static double[] params(ParameterUpdate u) {
    assertThat(u.getBaseVersion()).as("a snapshot").isZero();
    assertThat(u.getChunks()).as("in one record").isEqualTo(1);
    return new ParameterAssembler().accept(u).parameters();
  }

  private Decoded<Gradient> sparse(String model, long step, int dim, int[] indices, double[] values) {
    Gradient r = new Gradient(model, step, "w", new NumericVector(dim, Arrays.stream(indices).boxed().toList(),
        Arrays.stream(values).boxed().toList()), null, null, Instant.ofEpochMilli(step));
    return new Decoded<>(r, new RawRecord("convexstream.gradients", 0, offset++, 0, model.getBytes(), null));
  }

  @Test
  void sparseLearnersPublishDeltasThatRebuildTheirParametersExactly() throws Exception {
    int d = 100_000;
    LearnerConfig ftrl = LearnerConfig.of("ftrl", "l1=0.01");
    var policy = new LearnerSettings.Publication(LearnerSettings.Publication.DEFAULT_CHUNK_BYTES, 50);
    LearnerSettings s = new LearnerSettings(ftrl, java.util.Map.of(), 1, 0, 100, 1_000, true, Set.of(), policy);
    OnlineLearner core = Learners.create(ftrl, d);
    java.util.Random r = new java.util.Random(3);
    try (var h = open(s)) {
      for (long step = 1; step <= 120; step++) {
        int[] idx = r.ints(16, 0, d).sorted().distinct().toArray();
        double[] v = r.doubles(idx.length).map(x -> x - 0.5).toArray();
        h.processElement(new StreamRecord<>(sparse("m", step, d, idx, v)));
        core.update(new GradientVector(d, idx, v));
      }
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ParameterUpdate::getVersion).containsExactlyElementsOf(
          java.util.stream.LongStream.rangeClosed(1, 120).boxed().toList());
      // snapshots at versions 1, 51, 101 (snapshotEvery = 50); deltas list only the touched coordinates
      assertThat(out.stream().filter(u -> u.getBaseVersion() == 0)).extracting(ParameterUpdate::getVersion)
          .containsExactly(1L, 51L, 101L);
      assertThat(out.stream().filter(u -> u.getBaseVersion() > 0))
          .allSatisfy(u -> assertThat(u.getBaseVersion()).isEqualTo(u.getVersion() - 1))
          .allSatisfy(u -> assertThat(u.getValues().getValues().remaining()).isLessThanOrEqualTo(16 * 8));
      ParameterAssembler a = new ParameterAssembler();
      out.forEach(a::accept);
      assertThat(a.latest("m").parameters()).isEqualTo(core.decision());
      assertThat(a.skipped()).isZero();
      // a reader that starts late catches up at the next snapshot
      ParameterAssembler late = new ParameterAssembler();
      out.subList(60, 120).forEach(late::accept);
      assertThat(late.latest("m").parameters()).isEqualTo(core.decision());
      assertThat(late.skipped()).isEqualTo(40); // the deltas of versions 61..100
    }
  }

  @Test
  void largeModelsArePublishedInChunksThatFit() throws Exception {
    int d = 300_000; // 2.4 MB of doubles: three chunks of 1 MiB
    LearnerConfig ogd = LearnerConfig.of("ogd", "domain=ball:1");
    try (var h = open(LearnerSettings.defaults(ogd))) {
      double[] gs = new java.util.Random(2).doubles(d).map(x -> x - 0.5).toArray();
      h.processElement(new StreamRecord<>(grad("m", 1, "w", gs)));
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ParameterUpdate::getChunk).containsExactly(0, 1, 2);
      assertThat(out).allSatisfy(u -> assertThat(u.getValues().getValues().remaining()).isLessThanOrEqualTo(1 << 20));
      OnlineLearner core = Learners.create(ogd, d);
      core.update(GradientVector.dense(gs));
      ParameterAssembler a = new ParameterAssembler();
      out.forEach(a::accept);
      assertThat(a.latest("m").parameters()).isEqualTo(core.decision());
    }
  }

  /**
   * A separable learner keeps its model in blocks: a sparse update reads and writes only the blocks
   * it touches (the checkpoint holds only those), and outputs, restores and example mode all equal
   * the core learner on whole arrays, on either state backend.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"heap", "rocksdb"})
  void aHugeSparseModelTouchesOnlyItsTouchedBlocks(String backend) throws Exception {
    int d = 2_000_000;
    LearnerConfig ftrl = LearnerConfig.of("ftrl", "l1=0.001");
    OnlineLearner core = Learners.create(ftrl, d);
    java.util.Random r = new java.util.Random(8);
    List<ParameterUpdate> out = new java.util.ArrayList<>();
    OperatorSubtaskState snapshot;
    int[][] idx = new int[40][];
    double[][] val = new double[40][];
    for (int t = 0; t < 40; t++) {
      idx[t] = r.ints(32, 0, d).sorted().distinct().toArray();
      val[t] = r.doubles(idx[t].length).map(x -> x - 0.5).toArray();
      core.update(new GradientVector(d, idx[t], val[t]));
    }
    try (var h = harness(LearnerSettings.defaults(ftrl))) {
      if (backend.equals("rocksdb")) {
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
      }
      h.open();
      for (int t = 0; t < 20; t++) {
        h.processElement(new StreamRecord<>(sparse("m", t + 1, d, idx[t], val[t])));
      }
      snapshot = h.snapshot(1, 1);
      out.addAll(h.extractOutputValues());
    }
    // the whole model would be 32 MB; the blocks of 20 × 32 touched coordinates are a few MB at most
    assertThat(snapshot.getManagedKeyedState().stream().mapToLong(org.apache.flink.runtime.state.StateObject::getStateSize).sum())
        .isLessThan(20L * 32 * LearnerBlocks.BLOCK * 2 * 8 + 1_000_000);
    try (var h = harness(LearnerSettings.defaults(ftrl))) {
      if (backend.equals("rocksdb")) {
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
      }
      h.initializeState(snapshot);
      h.open();
      for (int t = 20; t < 40; t++) {
        h.processElement(new StreamRecord<>(sparse("m", t + 1, d, idx[t], val[t])));
      }
      out.addAll(h.extractOutputValues());
    }
    assertThat(out).extracting(ParameterUpdate::getVersion).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
    // a snapshot first, then deltas: they may add up to what the snapshot cost (32 stored blocks of
    // 64 coordinates computed: 2 048 entries), more than these 39 deltas of 32 hold
    assertThat(out.stream().filter(u -> u.getBaseVersion() == 0)).extracting(ParameterUpdate::getVersion).containsExactly(1L);
    assertThat(out.subList(1, 40)).allSatisfy(u -> assertThat(u.getBaseVersion()).isEqualTo(u.getVersion() - 1));
    // the snapshot of a blocked model lists the non-zeros of its stored blocks, not 2 000 000 coordinates
    assertThat(PackedVectors.size(out.get(0).getValues())).isBetween(1, 32);
    ParameterAssembler a = new ParameterAssembler();
    out.forEach(a::accept);
    assertThat(a.latest("m").parameters()).isEqualTo(core.decision());
    double norm = Math.sqrt(java.util.Arrays.stream(core.decision()).map(x -> x * x).sum());
    assertThat(out.get(39).getMetrics().get("parameterNorm")).isCloseTo(norm, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void exampleModeOnABlockedModelEqualsTheCore() throws Exception {
    int d = 100_000;
    LearnerConfig ftrl = LearnerConfig.of("ftrl");
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("test", LearnerSettings.defaults(ftrl), new RoundReader.Examples(Loss.LOGISTIC),
            LabelledExample.class)),
        (Decoded<LabelledExample> e) -> e.value.getModelId(), Types.STRING);
    h.open();
    OnlineLearner core = Learners.create(ftrl, d);
    java.util.Random r = new java.util.Random(1);
    double lossSum = 0;
    for (long t = 1; t <= 30; t++) {
      int[] idx = r.ints(8, 0, d).sorted().distinct().toArray();
      double[] v = r.doubles(idx.length).toArray();
      double y = r.nextBoolean() ? 1 : -1;
      GradientVector a = new GradientVector(d, idx, v);
      lossSum += Loss.LOGISTIC.value(core.decision(), a, y, 1.0);
      core.update(Loss.LOGISTIC.gradient(core.decision(), a, y, 1.0));
      LabelledExample e = LabelledExample.newBuilder().setModelId("clf").setStep(t).setProducerId("p")
          .setFeatures(new NumericVector(d, Arrays.stream(idx).boxed().toList(), Arrays.stream(v).boxed().toList())).setLabel(y)
          .setEventTime(Instant.EPOCH).build();
      h.processElement(new StreamRecord<>(new Decoded<>(e, new RawRecord("convexstream.examples", 0, t, 0, null, null))));
    }
    ParameterAssembler assembler = new ParameterAssembler();
    h.extractOutputValues().forEach(assembler::accept);
    assertThat(assembler.latest("clf").parameters()).isEqualTo(core.decision());
    assertThat(assembler.latest("clf").metrics().get("cumulativeLoss")).isCloseTo(lossSum, org.assertj.core.api.Assertions.within(1e-9));
    h.close();
  }

  @Test
  void changedCoordinatesMerge() {
    assertThat(ParameterPublisher.withChanged(new int[] {1, 5, 9}, new int[] {0, 5, 12}, 100)).containsExactly(0, 1, 5, 9, 12);
    assertThat(ParameterPublisher.withChanged(new int[0], new int[] {2}, 100)).containsExactly(2);
    assertThat(ParameterPublisher.withChanged(null, new int[] {2}, 100)).isNull();
    assertThat(ParameterPublisher.withChanged(new int[] {1}, null, 100)).isNull();
    assertThat(ParameterPublisher.withChanged(new int[] {0, 1}, new int[] {2}, 4)).as("more than two thirds").isNull();
  }

  @Test
  void appliesInStepOrderExactlyAsTheCore() throws Exception {
    try (var h = open(LearnerSettings.defaults(OOMD))) {
      send(h, 1, 3, 2, 5, 4);
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ParameterUpdate::getVersion).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(out).extracting(ParameterUpdate::getStep).containsExactly(1L, 2L, 3L, 4L, 5L);
      OnlineLearner core = Learners.create(OOMD, 2);
      for (long s = 1; s <= 5; s++) {
        core.update(GradientVector.dense(g(s)));
      }
      assertThat(params(out.get(4))).containsExactly(core.decision());
      assertThat(out.get(4).getMetrics()).containsEntry("gradientVariation", core.gradientVariation())
          .containsEntry("stepSize", core.stepSize()).containsEntry("missingSteps", 0.0);
      assertThat(reasons(h)).isEmpty();
    }
  }

  @Test
  void aLearnerOnNd4jPublishesWhatThePlainJavaCoreComputes() throws Exception {
    LearnerConfig ec = LearnerConfig.of("oomd-ec", "domain=ball:1", "backend=nd4j");
    try (var h = open(LearnerSettings.defaults(ec))) {
      send(h, 1, 2, 3, 4, 5, 6);
      OnlineLearner core = Learners.create(ec.with("backend", "java"), 2);
      for (long s = 1; s <= 6; s++) {
        core.update(GradientVector.dense(g(s)));
      }
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).hasSize(6);
      assertThat(params(out.get(5))).containsExactly(core.decision(), org.assertj.core.api.Assertions.within(1e-12));
      assertThat(reasons(h)).isEmpty();
    }
  }

  @Test
  void autoStaysOnPlainJavaWhenNd4jHasOnlyTheCpu() /* no CUDA here */ throws Exception {
    int d = LearnerConfig.ND4J_MIN_DIM; // where the core alone would take ND4J
    LearnerConfig auto = LearnerConfig.of("oomd-ec", "domain=ball:1", "backend=auto");
    try (var h = open(LearnerSettings.defaults(auto))) {
      OnlineLearner core = Learners.create(auto.with("backend", "java"), d);
      for (long s = 1; s <= 3; s++) {
        double[] gs = new double[d];
        for (int i = 0; i < d; i++) {
          gs[i] = Math.sin(s * i) / Math.sqrt(d);
        }
        h.processElement(new StreamRecord<>(grad("m", s, "w", gs)));
        core.update(GradientVector.dense(gs));
      }
      assertThat(params(h.extractOutputValues().get(2))).containsExactly(core.decision()); // bit for bit
    }
  }

  @Test
  void settingsFallBackToPlainJavaForEveryModel() {
    LearnerSettings s = new LearnerSettings(LearnerConfig.of("oomd-ec", "backend=auto"),
        java.util.Map.of("big-", LearnerConfig.of("oomd-ec", "backend=nd4j")), 1, 0, 10, 10, true, Set.of());
    assertThat(s.mayUseNd4j()).isTrue();
    LearnerSettings onCpu = s.replaceBackend("auto", "java");
    assertThat(onCpu.learnerFor("m").backend()).isEqualTo("java");
    assertThat(onCpu.learnerFor("big-1").backend()).isEqualTo("nd4j");
    LearnerSettings fallback = onCpu.replaceBackend("nd4j", "java");
    assertThat(fallback.mayUseNd4j()).isFalse();
    assertThat(fallback.learnerFor("big-1").backend()).isEqualTo("java");
    assertThat(LearnerSettings.defaults(OOMD).mayUseNd4j()).isFalse();
  }

  @Test
  void deadLettersDuplicatesLateStepsWrongDimensionsAndUnknownModels() throws Exception {
    LearnerSettings closed = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 10_000, false, Set.of("m"));
    try (var h = open(closed)) {
      send(h, 1, 2);
      h.processElement(new StreamRecord<>(grad("m", 2, "w", g(2))));
      h.processElement(new StreamRecord<>(grad("m", 1, "other", g(1))));
      h.processElement(new StreamRecord<>(grad("m", 3, "w", 1, 2, 3)));
      send(h, 5);
      h.processElement(new StreamRecord<>(grad("m", 5, "w", g(5))));
      h.processElement(new StreamRecord<>(grad("stranger", 1, "w", g(1))));
      assertThat(h.extractOutputValues()).hasSize(2);
      assertThat(reasons(h)).containsExactly(
          "duplicate step 2 of model m from w: step 2 already applied",
          "late step 1 of model m from other: step 2 already applied",
          "dimension mismatch: model m has dimension 2, record has 3",
          "duplicate step 5 of model m: already waiting for step 3",
          "unknown model stranger (auto-creation is off)");
    }
  }

  @Test
  void missingStepIsSkippedAfterTheGapTimeoutAndArrivesLateAfterwards() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 1_000, true, Set.of());
    try (var h = open(s)) {
      h.setProcessingTime(0);
      send(h, 1, 3, 4);
      assertThat(h.extractOutputValues()).hasSize(1);
      h.setProcessingTime(999);
      assertThat(h.extractOutputValues()).hasSize(1);
      h.setProcessingTime(1_000);
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ParameterUpdate::getStep).containsExactly(1L, 3L, 4L);
      assertThat(out.get(2).getMetrics()).containsEntry("missingSteps", 1.0);
      send(h, 2);
      assertThat(reasons(h)).containsExactly("late step 2 of model m from w: step 4 already applied");
    }
  }

  /** After one gap is skipped, steps still waiting behind a second gap get a timer of their own. */
  @Test
  void stepsBehindASecondGapAreAppliedAfterTheirOwnTimeout() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 1_000, true, Set.of());
    try (var h = open(s)) {
      h.setProcessingTime(0);
      send(h, 1, 3, 6);
      h.setProcessingTime(1_000); // skips step 2, applies 3; step 6 still waits for 4 and 5
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getStep).containsExactly(1L, 3L);
      h.setProcessingTime(2_000);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getStep).containsExactly(1L, 3L, 6L);
    }
  }

  /** When a bounded input ends (watermark at the end of time), waiting steps are applied, not lost. */
  @Test
  void waitingStepsAreAppliedWhenTheInputEnds() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 60_000, true, Set.of());
    try (var h = open(s)) {
      h.setProcessingTime(0);
      send(h, 1, 3, 6);
      h.processWatermark(Long.MAX_VALUE);
      List<ParameterUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ParameterUpdate::getStep).containsExactly(1L, 3L, 6L);
      assertThat(out.get(2).getMetrics()).containsEntry("missingSteps", 3.0);
    }
  }

  @Test
  void fullBufferSkipsAheadAtOnce() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 2, 60_000, true, Set.of());
    try (var h = open(s)) {
      send(h, 1, 4, 5, 6);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getStep).containsExactly(1L, 4L, 5L, 6L);
      assertThat(h.extractOutputValues().get(3).getMetrics()).containsEntry("missingSteps", 2.0);
    }
  }

  @Test
  void emitsEveryKUpdatesAndFlushesTheRestOnTheInterval() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 3, 500, 100, 60_000, true, Set.of());
    try (var h = open(s)) {
      h.setProcessingTime(0);
      send(h, 1, 2, 3, 4, 5, 6, 7);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getVersion).containsExactly(3L, 6L);
      h.setProcessingTime(500);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getVersion).containsExactly(3L, 6L, 7L);
    }
  }

  @Test
  void modelPrefixesChooseTheirOwnEmitEvery() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 60_000, true, Set.of(),
        new LearnerSettings.Publication(1 << 20, 10_000, java.util.Map.of("big/", 4, "big/small/", 2)));
    assertThat(List.of(s.emitEveryFor("m"), s.emitEveryFor("big/x"), s.emitEveryFor("big/small/y"))).containsExactly(1, 4, 2);
    try (var h = open(s)) {
      for (long step = 1; step <= 8; step++) {
        for (String model : List.of("m", "big/x", "big/small/y")) {
          h.processElement(new StreamRecord<>(grad(model, step, "w", 0.1, -0.2)));
        }
      }
      var versions = h.extractOutputValues().stream()
          .collect(java.util.stream.Collectors.groupingBy(u -> u.getModelId().toString(),
              java.util.stream.Collectors.mapping(ParameterUpdate::getVersion, java.util.stream.Collectors.toList())));
      assertThat(versions.get("m")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(versions.get("big/x")).containsExactly(4L, 8L);
      assertThat(versions.get("big/small/y")).containsExactly(2L, 4L, 6L, 8L);
    }
  }

  @Test
  void modelPrefixesChooseTheirOwnLearner() throws Exception {
    LearnerConfig ogd = LearnerConfig.of("ogd", "domain=ball:1");
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of("ogd/", ogd), 1, 0, 100, 1000, true, Set.of());
    assertThat(s.learnerFor("ogd/a")).isEqualTo(ogd);
    assertThat(s.learnerFor("other")).isEqualTo(OOMD);
    try (var h = open(s)) {
      h.processElement(new StreamRecord<>(grad("ogd/a", 1, "w", 0.5, 0.5)));
      OnlineLearner core = Learners.create(ogd, 2);
      core.update(GradientVector.dense(0.5, 0.5));
      assertThat(params(h.extractOutputValues().get(0))).containsExactly(core.decision());
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"oomd", "oomd-ec", "ftrl"}) // oomd-ec, ftrl's blocks: state updated in place
  void restoreMidStreamWithBufferedStepsGivesIdenticalOutputs(String algorithm) throws Exception {
    LearnerSettings s = LearnerSettings.defaults(LearnerConfig.of(algorithm, algorithm.equals("ftrl") ? "l1=0.01" : "domain=ball:0.5"));
    List<ParameterUpdate> straight;
    try (var h = open(s)) {
      send(h, 1, 2, 4, 3, 5, 7, 6, 8);
      straight = h.extractOutputValues();
    }
    OperatorSubtaskState snapshot;
    List<ParameterUpdate> before;
    offset = 0; // the same input again: the same source offsets (and so the same run epoch)
    try (var h = open(s)) {
      send(h, 1, 2, 4); // step 4 is buffered at the snapshot
      before = h.extractOutputValues();
      snapshot = h.snapshot(1, 1);
      send(h, 3, 5); // changes the state after the snapshot: the snapshot must not see it
    }
    try (var h = harness(s)) {
      h.setup();
      h.initializeState(snapshot);
      h.open();
      send(h, 3, 5, 7, 6, 8);
      List<ParameterUpdate> after = h.extractOutputValues();
      assertThat(before.size() + after.size()).isEqualTo(straight.size());
      assertThat(after).isEqualTo(straight.subList(before.size(), straight.size()));
    }
  }

  @Test
  void exampleModeReportsProgressiveLossAndRegret() throws Exception {
    LearnerSettings s = LearnerSettings.defaults(LearnerConfig.of("ogd", "domain=ball:5", "G=2"));
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("test", s, new RoundReader.Examples(Loss.LOGISTIC), LabelledExample.class)),
        (Decoded<LabelledExample> d) -> d.value.getModelId(), Types.STRING);
    h.open();
    double lossSum = 0;
    OnlineLearner core = Learners.create(s.learner(), 2);
    for (long t = 1; t <= 6; t++) {
      double y = t % 2 == 0 ? 1 : -1;
      GradientVector a = GradientVector.dense(y * 1.0, 0.5);
      double loss = Loss.LOGISTIC.value(core.decision(), a, y, 1.0);
      lossSum += loss;
      core.update(Loss.LOGISTIC.gradient(core.decision(), a, y, 1.0));
      LabelledExample e = LabelledExample.newBuilder().setModelId("clf").setStep(t).setProducerId("p")
          .setFeatures(new NumericVector(2, null, List.of(y * 1.0, 0.5))).setLabel(y).setComparatorLoss(0.1)
          .setEventTime(Instant.EPOCH).build();
      h.processElement(new StreamRecord<>(new Decoded<>(e, new RawRecord("convexstream.examples", 0, t, 0, null, null))));
    }
    ParameterUpdate last = h.extractOutputValues().get(5);
    assertThat(last.getMetrics().get("cumulativeLoss")).isEqualTo(lossSum);
    assertThat(last.getMetrics().get("regret")).isEqualTo(lossSum - 6 * 0.1, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(params(last)).containsExactly(core.decision());
    h.close();
  }

  /** Gradient mode, but reading the gradient of one chosen step throws (a stand-in for any bug). */
  static final class ThrowsAtStep implements RoundReader<Gradient> {
    private static final long serialVersionUID = 1L;
    private final RoundReader.Gradients gradients = new RoundReader.Gradients();
    private final Set<Long> failing;

    ThrowsAtStep(Long... failing) {
      this.failing = Set.of(failing);
    }

    @Override public String modelId(Gradient r) { return gradients.modelId(r); }
    @Override public long step(Gradient r) { return gradients.step(r); }
    @Override public String producerId(Gradient r) { return gradients.producerId(r); }
    @Override public int dim(Gradient r) { return gradients.dim(r); }
    @Override public double loss(Gradient r, double[] x) { return gradients.loss(r, x); }
    @Override public double comparatorLoss(Gradient r) { return gradients.comparatorLoss(r); }
    @Override public int[] coordinates(Gradient r) { return gradients.coordinates(r); }
    @Override public Gradient restricted(Gradient r) { return gradients.restricted(r); }

    @Override
    public GradientVector gradient(Gradient r, double[] x) {
      if (failing.contains(r.getStep())) {
        throw new IllegalStateException("reader bug at step " + r.getStep());
      }
      return gradients.gradient(r, x);
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<Gradient>, ParameterUpdate> failing(String backend, Long... steps)
      throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new LearnerFunction<>("test", new LearnerSettings(OOMD, java.util.Map.of(), 1, 0, 100, 1_000, true, Set.of()),
            new ThrowsAtStep(steps), Gradient.class)),
        (Decoded<Gradient> d) -> d.value.getModelId(), Types.STRING);
    if (backend.equals("rocksdb")) {
      h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
    }
    h.open();
    return h;
  }

  private static List<Long> deadLetteredOffsets(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h) {
    return h.getSideOutput(DeadLetters.TAG) == null ? List.of()
        : h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).map(DeadLetter::getOffset).toList();
  }

  /**
   * A record that fails while it is applied — as it arrives, from the buffer, or when the input
   * ends — is dead-lettered itself (not the record that triggered the drain), and every other
   * record is applied: in = applied + dead-lettered, and the model goes on, on either backend.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"heap", "rocksdb"})
  void aRecordThatFailsIsDeadLetteredItselfAndTheModelGoesOn(String backend) throws Exception {
    try (var h = failing(backend, 3L, 6L, 9L)) {
      h.setProcessingTime(0);
      send(h, 1, 3, 4, 2); // offsets 0..3: step 3 waits in the buffer and fails when step 2 drains it
      send(h, 6, 5, 7); // offsets 4..6: step 6 waits for 5, then fails
      send(h, 9, 11); // offsets 7, 8: step 9 fails as the input ends, step 11 after the gap
      h.processWatermark(Long.MAX_VALUE);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getStep).containsExactly(1L, 2L, 4L, 5L, 7L, 11L);
      assertThat(deadLetteredOffsets(h)).containsExactly(1L, 4L, 7L);
      assertThat(reasons(h)).allMatch(r -> r.startsWith("internal error applying step "));
      assertThat(h.extractOutputValues().size() + deadLetteredOffsets(h).size()).isEqualTo(9);
      assertThat(h.extractOutputValues().get(5).getMetrics()).containsEntry("rejected", 3.0).containsEntry("missingSteps", 2.0);
      send(h, 12); // progress is consistent: the next step applies at once
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getStep).endsWith(12L);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getVersion).endsWith(7L);
    }
  }

  /**
   * Flink keeps one timer per key and timestamp: when the gap timer and the emission timer fall on
   * the same millisecond, giving up the gap timer must not cancel the pending publication.
   */
  @Test
  void aPendingPublicationSurvivesTheGapTimerOfTheSameMillisecond() throws Exception {
    LearnerSettings s = new LearnerSettings(OOMD, java.util.Map.of(), 100, 1_000, 100, 1_000, true, Set.of());
    try (var h = open(s)) {
      h.setProcessingTime(0);
      send(h, 1); // applied, not published yet: emission timer at 1000
      send(h, 3); // waits for step 2: gap timer at 1000 too
      send(h, 2); // applies 2 and 3; the gap timer is no longer needed
      assertThat(h.extractOutputValues()).isEmpty();
      h.setProcessingTime(1_000);
      assertThat(h.extractOutputValues()).extracting(ParameterUpdate::getVersion).containsExactly(3L);
    }
  }
}
