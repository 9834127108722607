package io.convexstream.flink.moe;

import static org.assertj.core.api.Assertions.assertThat;

import io.convexstream.connectors.flink.Decoded;
import io.convexstream.core.moe.LoadBalancer;
import io.convexstream.core.moe.Router;
import io.convexstream.flink.DeadLetters;
import io.convexstream.flink.RawRecord;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ExpertBiasUpdate;
import io.convexstream.schemas.RouterLoadReport;
import io.convexstream.schemas.RouterScoreBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ExpertBalancerFunctionTest {
  private static final BalancerSettings SETTINGS = BalancerSettings.defaults().withTopK(2).withTimeout(1_000);
  private long offset;

  private Decoded<RouterLoadReport> report(long step, int rank, int ranks, long... loads) {
    return reportRoutedWith(-1, step, rank, ranks, loads);
  }

  private Decoded<RouterLoadReport> reportRoutedWith(long biasVersion, long step, int rank, int ranks, long... loads) {
    RouterLoadReport r = new RouterLoadReport("moe", 3, step, rank, ranks, Arrays.stream(loads).boxed().toList(), biasVersion,
        Instant.ofEpochMilli(step));
    return new Decoded<>(r, new RawRecord("convexstream.router-loads", 0, offset++, 0, null, null));
  }

  private static <T extends SpecificRecord> KeyedOneInputStreamOperatorTestHarness<String, Decoded<T>, ExpertBiasUpdate> harness(
      LoadSource<T> source, Class<T> type) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new ExpertBalancerFunction<>("test", SETTINGS, source, type)),
        (Decoded<T> d) -> source.key(d.value), Types.STRING);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Decoded<RouterLoadReport>, ExpertBiasUpdate> reports() throws Exception {
    var h = harness(new LoadSource.Reports(), RouterLoadReport.class);
    h.open();
    return h;
  }

  private static List<String> reasons(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h) {
    var side = h.getSideOutput(DeadLetters.TAG);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).map(DeadLetter::getReason).toList();
  }

  private static float[] biases(ExpertBiasUpdate u) {
    float[] b = new float[u.getBiases().size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = u.getBiases().get(i);
    }
    return b;
  }

  @Test
  void closesAStepWhenAllRanksReportedAndUpdatesLikeTheCore() throws Exception {
    try (var h = reports()) {
      h.processElement(new StreamRecord<>(report(7, 0, 2, 5, 1, 2, 0)));
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement(new StreamRecord<>(report(7, 1, 2, 5, 3, 2, 2)));
      List<ExpertBiasUpdate> out = h.extractOutputValues();
      assertThat(out).hasSize(1);
      ExpertBiasUpdate u = out.get(0);
      assertThat(u.getModelId()).isEqualTo("moe");
      assertThat(u.getLayer()).isEqualTo(3);
      assertThat(u.getStep()).isEqualTo(7);
      LoadBalancer core = new LoadBalancer(4, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
      core.update(new long[] {10, 4, 4, 2});
      assertThat(biases(u)).containsExactly(core.biases());
      assertThat(u.getMaxViolation()).isEqualTo((10 - 5) / 5.0);
      assertThat(u.getMetrics()).containsEntry("missingRanks", 0.0).containsEntry("idleExperts", 0.0);
    }
  }

  /** Layers of one model are balanced apart, so they may have different expert counts (dense and MoE layers mixed, say). */
  @Test
  void layersOfOneModelMayHaveDifferentExpertCounts() throws Exception {
    try (var h = reports()) {
      for (int layer = 0; layer < 2; layer++) {
        long[] loads = layer == 0 ? new long[] {9, 1, 1, 1} : new long[] {1, 2, 3, 4, 5, 9};
        RouterLoadReport r = new RouterLoadReport("moe", layer, 1L, 0, 1, Arrays.stream(loads).boxed().toList(), -1L, Instant.ofEpochMilli(1));
        h.processElement(new StreamRecord<>(new Decoded<>(r, new RawRecord("convexstream.router-loads", 0, offset++, 0, null, null))));
      }
      List<ExpertBiasUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ExpertBiasUpdate::getLayer).containsExactly(0, 1);
      LoadBalancer four = new LoadBalancer(4, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
      four.update(new long[] {9, 1, 1, 1});
      LoadBalancer six = new LoadBalancer(6, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
      six.update(new long[] {1, 2, 3, 4, 5, 9});
      assertThat(biases(out.get(0))).containsExactly(four.biases());
      assertThat(biases(out.get(1))).containsExactly(six.biases());
      assertThat(reasons(h)).isEmpty();
    }
  }

  @Test
  void theSplitAcrossRanksDoesNotMatter() throws Exception {
    List<ExpertBiasUpdate> one;
    try (var h = reports()) {
      h.processElement(new StreamRecord<>(report(1, 0, 1, 8, 4, 4, 0)));
      h.processElement(new StreamRecord<>(report(2, 0, 1, 1, 2, 3, 10)));
      one = h.extractOutputValues();
    }
    try (var h = reports()) {
      h.processElement(new StreamRecord<>(report(1, 2, 3, 3, 0, 1, 0)));
      h.processElement(new StreamRecord<>(report(1, 0, 3, 5, 4, 3, 0)));
      h.processElement(new StreamRecord<>(report(1, 1, 3, 0, 0, 0, 0)));
      h.processElement(new StreamRecord<>(report(2, 1, 2, 1, 2, 3, 4)));
      h.processElement(new StreamRecord<>(report(2, 0, 2, 0, 0, 0, 6)));
      List<ExpertBiasUpdate> four = h.extractOutputValues();
      assertThat(four).hasSize(2);
      for (int i = 0; i < 2; i++) {
        assertThat(biases(four.get(i))).containsExactly(biases(one.get(i)));
      }
    }
  }

  @Test
  void timeoutClosesWithMissingRanksAndLateReportsAreDeadLettered() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(1, 0, 3, 4, 0, 0, 0)));
      h.setProcessingTime(999);
      assertThat(h.extractOutputValues()).isEmpty();
      h.setProcessingTime(1_000);
      assertThat(h.extractOutputValues()).hasSize(1);
      assertThat(h.extractOutputValues().get(0).getMetrics()).containsEntry("missingRanks", 2.0);
      h.processElement(new StreamRecord<>(report(1, 1, 3, 0, 4, 0, 0)));
      h.processElement(new StreamRecord<>(report(2, 0, 1, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(3, 0, 2, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(3, 0, 2, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(3, 1, 2, 1, 1, 1)));
      assertThat(reasons(h)).containsExactly(
          "late report of rank 1 for step 1 of moe/3: steps up to 1 are closed",
          "duplicate report of rank 0 for step 3 of moe/3",
          "expert count mismatch: moe/3 has 4 experts, record has 3");
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L);
    }
  }

  @Test
  void stepsCloseInOrder() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(1, 0, 2, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(2, 0, 1, 2, 0, 0, 2))); // complete, but step 1 is open
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement(new StreamRecord<>(report(1, 1, 2, 1, 1, 1, 1)));
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L);
    }
  }

  @Test
  void scoreBatchesAreRoutedWithTheBiasesOfThePreviousStep() throws Exception {
    var h = harness(new LoadSource.Scores(SETTINGS), RouterScoreBatch.class);
    h.open();
    float[][] batches = {{3f, 2f, 1f, 0f, 3f, 2f, 1f, 0f}, {0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f}};
    // step 2 arrives first: it must wait for step 1's biases
    h.processElement(new StreamRecord<>(scores(2, batches[1])));
    h.processElement(new StreamRecord<>(scores(1, batches[0])));
    List<ExpertBiasUpdate> out = h.extractOutputValues();
    h.close();
    // the first record seen (step 2) starts the balancer, so step 1 is late
    assertThat(out).extracting(ExpertBiasUpdate::getStep).containsExactly(2L);
    var h2 = harness(new LoadSource.Scores(SETTINGS), RouterScoreBatch.class);
    h2.open();
    h2.processElement(new StreamRecord<>(scores(1, batches[0], 0, 2)));
    h2.processElement(new StreamRecord<>(scores(2, batches[1], 0, 1))); // waits: step 1 is open
    h2.processElement(new StreamRecord<>(scores(1, batches[0], 1, 2)));
    List<ExpertBiasUpdate> out2 = h2.extractOutputValues();
    assertThat(out2).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L);
    Router router = new Router(4, 2);
    LoadBalancer core = new LoadBalancer(4, LoadBalancer.Variant.SIGN, false, 1e-3f, 0);
    long[] step1 = new long[4];
    router.countLoads(batches[0], 2, core.biases(), step1);
    router.countLoads(batches[0], 2, core.biases(), step1);
    core.update(step1);
    long[] step2 = new long[4];
    router.countLoads(batches[1], 2, core.biases(), step2);
    core.update(step2);
    assertThat(biases(out2.get(1))).containsExactly(core.biases());
    h2.close();
  }

  private Decoded<RouterScoreBatch> scores(long step, float[] logits) {
    return scores(step, logits, 0, 1);
  }

  private Decoded<RouterScoreBatch> scores(long step, float[] logits, int rank, int ranks) {
    List<Float> s = new ArrayList<>();
    for (float f : logits) {
      s.add(f);
    }
    RouterScoreBatch b = new RouterScoreBatch("moe", 3, step, rank, ranks, logits.length / 4, 4, s, Instant.ofEpochMilli(step));
    return new Decoded<>(b, new RawRecord("convexstream.router-scores", 0, offset++, 0, null, null));
  }

  @Test
  void restoredBalancerContinuesWithIdenticalBiases() throws Exception {
    List<ExpertBiasUpdate> straight;
    try (var h = reports()) {
      for (long s = 1; s <= 6; s++) {
        h.processElement(new StreamRecord<>(report(s, 0, 1, s, 2 * s % 5, 3, 1)));
      }
      straight = h.extractOutputValues();
    }
    OperatorSubtaskState snapshot;
    offset = 0; // the same input again: the same source offsets (and so the same run epoch)
    try (var h = reports()) {
      for (long s = 1; s <= 3; s++) {
        h.processElement(new StreamRecord<>(report(s, 0, 1, s, 2 * s % 5, 3, 1)));
      }
      h.processElement(new StreamRecord<>(report(5, 0, 1, 5, 0, 3, 1))); // open at the snapshot
      snapshot = h.snapshot(1, 1);
    }
    var h = harness(new LoadSource.Reports(), RouterLoadReport.class);
    h.setup();
    h.initializeState(snapshot);
    h.open();
    h.processElement(new StreamRecord<>(report(4, 0, 1, 4, 3, 3, 1)));
    h.processElement(new StreamRecord<>(report(6, 0, 1, 6, 2, 3, 1)));
    assertThat(h.extractOutputValues()).isEqualTo(straight.subList(3, 6));
    h.close();
  }

  @Test
  void aStepWithNoReportIsSkippedAfterTheNextStepsTimeout() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(1, 0, 1, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(3, 0, 1, 2, 2, 0, 0))); // complete, but step 2 never came
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L);
      h.setProcessingTime(1_000);
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 3L);
      h.processElement(new StreamRecord<>(report(2, 0, 1, 1, 1, 1, 1)));
      assertThat(reasons(h)).containsExactly("late report of rank 0 for step 2 of moe/3: steps up to 3 are closed");
    }
  }

  /** A score batch waiting for a step that closes only by its timeout, after a skipped step, is still routed. */
  @Test
  void aBatchWaitingForAStepClosedAfterASkipIsRoutedNotLost() throws Exception {
    var h = harness(new LoadSource.Scores(SETTINGS), RouterScoreBatch.class);
    h.open();
    h.setProcessingTime(0);
    float[] logits = {3f, 2f, 1f, 0f, 3f, 2f, 1f, 0f};
    h.processElement(new StreamRecord<>(scores(1, logits, 0, 2))); // step 1 waits for rank 1
    h.processElement(new StreamRecord<>(scores(3, logits, 0, 1))); // waits for step 2, which never comes
    h.setProcessingTime(1_000); // both time out: step 1 closes with a missing rank, then step 3 (step 2 skipped)
    List<ExpertBiasUpdate> out = h.extractOutputValues();
    assertThat(out).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 3L);
    // step 3 carries the waiting batch's 2 tokens x top-2 = 4 assignments
    assertThat(out.get(1).getMetrics().get("meanLoad") * 4).isEqualTo(4.0);
    assertThat(reasons(h)).isEmpty();
    h.close();
  }

  /** When a bounded input ends, open steps close instead of waiting for a timeout that never fires. */
  @Test
  void openStepsCloseWhenTheInputEnds() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(1, 0, 2, 1, 1, 1, 1))); // rank 1 never reports
      assertThat(h.extractOutputValues()).isEmpty();
      h.processWatermark(Long.MAX_VALUE);
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L);
    }
  }

  /**
   * Flink keeps one timer per key and timestamp: two open steps whose timeouts fall on the same
   * millisecond share a timer, and closing the first must not cancel the second's timeout.
   */
  @Test
  void twoStepsSharingATimeoutMillisecondBothTimeOutWithLoadReports() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(report(1, 0, 2, 1, 1, 1, 1)));
      h.processElement(new StreamRecord<>(report(2, 0, 2, 1, 1, 1, 1))); // both time out at 1000
      h.processElement(new StreamRecord<>(report(1, 1, 2, 1, 1, 1, 1))); // step 1 closes complete
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L);
      h.setProcessingTime(1_000); // step 2 misses rank 1 and must still close
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L);
      assertThat(h.extractOutputValues().get(1).getMetrics()).containsEntry("missingRanks", 1.0);
    }
  }

  @Test
  void twoStepsSharingATimeoutMillisecondBothTimeOutWithScoreBatches() throws Exception {
    try (var h = harness(new LoadSource.Scores(SETTINGS), RouterScoreBatch.class)) {
      h.open();
      h.setProcessingTime(0);
      float[] logits = {3f, 2f, 1f, 0f, 3f, 2f, 1f, 0f};
      h.processElement(new StreamRecord<>(scores(1, logits, 0, 2)));
      h.processElement(new StreamRecord<>(scores(2, logits, 0, 2))); // waits for step 1's biases; its step times out at 1000 too
      h.processElement(new StreamRecord<>(scores(1, logits, 1, 2))); // step 1 closes, step 2's batch is routed
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L);
      h.setProcessingTime(1_000);
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L);
      assertThat(reasons(h)).isEmpty();
    }
  }

  /** Score batches, but routing one chosen (step, rank) throws (a stand-in for any bug). */
  static final class ThrowsAt implements LoadSource<RouterScoreBatch> {
    private static final long serialVersionUID = 1L;
    private final LoadSource.Scores scores = new LoadSource.Scores(SETTINGS);
    private final long step;
    private final int rank;

    ThrowsAt(long step, int rank) {
      this.step = step;
      this.rank = rank;
    }

    @Override public String key(RouterScoreBatch r) { return scores.key(r); }
    @Override public long step(RouterScoreBatch r) { return scores.step(r); }
    @Override public int rank(RouterScoreBatch r) { return scores.rank(r); }
    @Override public int expectedRanks(RouterScoreBatch r) { return scores.expectedRanks(r); }
    @Override public int experts(RouterScoreBatch r) { return scores.experts(r); }
    @Override public long eventTime(RouterScoreBatch r) { return scores.eventTime(r); }
    @Override public boolean routesWithBiases() { return true; }

    @Override
    public long[] loads(RouterScoreBatch r, float[] biases) {
      if (r.getGlobalStep() == step && r.getRank() == rank) {
        throw new IllegalStateException("router bug");
      }
      return scores.loads(r, biases);
    }
  }

  /**
   * A waiting score batch that fails when it is routed is dead-lettered itself; the batches beside
   * it are routed and its step closes with the rank missing, on either state backend.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"heap", "rocksdb"})
  void aWaitingBatchThatFailsIsDeadLetteredItselfAndItsStepStillCloses(String backend) throws Exception {
    try (var h = harness(new ThrowsAt(2, 1), RouterScoreBatch.class)) {
      if (backend.equals("rocksdb")) {
        h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
      }
      h.open();
      h.setProcessingTime(0);
      float[] logits = {3f, 2f, 1f, 0f, 3f, 2f, 1f, 0f};
      long first = offset;
      h.processElement(new StreamRecord<>(scores(1, logits, 0, 2)));
      h.processElement(new StreamRecord<>(scores(2, logits, 0, 2))); // waits
      h.processElement(new StreamRecord<>(scores(2, logits, 1, 2))); // waits, fails when routed
      h.processElement(new StreamRecord<>(scores(1, logits, 1, 2))); // closes step 1, routes step 2's batches
      assertThat(h.getSideOutput(DeadLetters.TAG)).extracting(r -> r.getValue().getOffset()).containsExactly(first + 2);
      assertThat(reasons(h)).containsExactly("internal error applying the report of rank 1 for step 2 of moe/3: java.lang.IllegalStateException: router bug");
      h.setProcessingTime(1_000);
      h.processElement(new StreamRecord<>(scores(3, logits, 0, 1)));
      List<ExpertBiasUpdate> out = h.extractOutputValues();
      assertThat(out).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L, 3L);
      assertThat(out.get(1).getMetrics()).containsEntry("missingRanks", 1.0);
    }
  }

  @Test
  void reportsRoutedWithStaleOrFutureBiasesAreDeadLettered() throws Exception {
    try (var h = reports()) {
      h.setProcessingTime(0);
      h.processElement(new StreamRecord<>(reportRoutedWith(-1, 1, 0, 1, 1, 1, 1, 1))); // no biases yet: accepted
      h.processElement(new StreamRecord<>(reportRoutedWith(1, 2, 0, 1, 1, 1, 1, 1))); // fresh: biases of step 1
      h.processElement(new StreamRecord<>(reportRoutedWith(3, 3, 0, 1, 1, 1, 1, 1))); // biases of its own step: impossible
      long limit = BalancerSettings.DEFAULT_MAX_BIAS_STALENESS;
      h.processElement(new StreamRecord<>(reportRoutedWith(2, 3 + limit, 0, 1, 1, 1, 1, 1))); // exactly the limit
      h.processElement(new StreamRecord<>(reportRoutedWith(2, 4 + limit, 0, 1, 1, 1, 1, 1))); // one step more
      h.setProcessingTime(1_000); // the accepted step closes after the steps between time out
      assertThat(h.extractOutputValues()).extracting(ExpertBiasUpdate::getStep).containsExactly(1L, 2L, 3 + limit);
      assertThat(reasons(h)).containsExactly(
          "rank 0 reports step 3 of moe/3 routed with biases of step 3, which is not before it",
          "stale biases: rank 0 routed step " + (4 + limit) + " of moe/3 with biases of step 2 (" + (limit + 1)
              + " steps stale, at most " + limit + " allowed)");
    }
  }
}
